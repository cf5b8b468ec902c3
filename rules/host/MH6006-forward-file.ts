import { posix } from 'node:path';
import { defineRule } from '../../src/core/rule.js';
import type { Span } from '../../src/core/types.js';
import { octal } from '../../src/host/mode.js';
import { AT_START, mtaCf, otherWriters } from '../../src/host/paths.js';

/** sendmail's built-in ForwardPath when the cf does not set the option (op.me). */
const DEFAULT_FORWARD_PATH = '$z/.forward';

/** A program target in a .forward line: `|prog` or `"|prog …"` at the start of an address. */
const PIPE = /(?:^|[,\s])"?\s*\|/;

export default defineRule({
  meta: {
    id: 'MH6006',
    slug: 'forward-file',
    kinds: ['host'],
    description: "Users' .forward files let each user redirect their mail or pipe it into programs that run with every message, outside the administrator's control.",
    severity: 'medium',
    tags: ['host', 'forward'],
    references: ['DISA-STIG:GEN004580', 'AIX7-STIG:AIX7-00-003115', 'SOL11-STIG:SOL-11.1-070170'],
    messages: {
      forward: '{path} forwards the mail of {owner} where that user chooses',
      pipe: '{path} pipes the mail of {owner} into a program ({program}), which runs with every message',
      inert: '{path} exists, but ForwardPath ({value}) does not read it',
      writable: '{path} has mode {mode}: {who} can make it pipe mail into any program',
    },
    fix: "remove the .forward file (and set ForwardPath empty: define(`confFORWARD_PATH', `')dnl), putting needed forwarding in /etc/aliases",
  },
  check(host, ctx) {
    const { tree, accounts, layout } = host;
    // Without a cf nothing tells which names sendmail reads: every .forward file counts.
    const cf = mtaCf(host);
    const forwardPath = cf ? (cf.doc.sendmail.get('ForwardPath')?.value ?? DEFAULT_FORWARD_PATH) : undefined;
    const homes = new Set<string>(['/root', ...accounts.homes]);
    for (const parent of layout.homeParents) for (const name of tree.list(parent)) homes.add(posix.join(parent, name));
    const seen = new Set<string>();
    for (const home of [...homes].sort()) {
      const real = tree.resolve(home);
      if (real === undefined || seen.has(real) || tree.lstat(real)?.type !== 'dir') continue;
      seen.add(real);
      for (const name of tree.list(real)) {
        // .forward and the per-host and per-detail names of Debian's ForwardPath (.forward.$w, .forward+$h).
        if (name !== '.forward' && !/^\.forward[.+]/.test(name)) continue;
        const path = posix.join(real, name);
        const meta = tree.stat(path);
        if (!meta || meta.type !== 'file') continue;
        const owner = accounts.userName(meta.uid);
        if (forwardPath !== undefined && !reads(forwardPath, real, path)) {
          ctx.report({ messageId: 'inert', data: { path, value: forwardPath.trim() === '' ? 'empty' : forwardPath }, path, span: AT_START, severity: 'info' });
          continue;
        }
        const pipe = firstPipe(tree.read(path, 1 << 20) ?? '');
        if (pipe) ctx.report({ messageId: 'pipe', data: { path, owner, program: pipe.program }, path, span: pipe.span, severity: 'high' });
        else ctx.report({ messageId: 'forward', data: { path, owner }, path, span: AT_START });
        const who = otherWriters(meta, accounts);
        if (who) ctx.report({ messageId: 'writable', data: { path, mode: octal(meta.mode), who }, path, span: AT_START, severity: 'high' });
      }
    }
  },
});

/**
 * Whether some component of ForwardPath names `path` for a user whose home is `home`: `$z` is the
 * home, any other macro (`$w`, `$h`, `${x}`) stands for one path component's worth of text.
 */
function reads(forwardPath: string, home: string, path: string): boolean {
  return forwardPath
    .split(':')
    .map((c) => c.trim())
    .filter(Boolean)
    .some((component) => {
      const pattern = component
        .split(/(\$z|\$\{[^}]*\}|\$[a-zA-Z])/)
        .map((part) => (part === '$z' ? escape(home) : part.startsWith('$') ? '[^/]*' : escape(part)))
        .join('');
      return new RegExp(`^${pattern}$`).test(path);
    });
}

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The first program target in a .forward file, with the span of its line. */
function firstPipe(text: string): { program: string; span: Span } | undefined {
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.replace(/\r$/, '');
    if (line.trimStart().startsWith('#')) continue;
    const m = PIPE.exec(line);
    if (!m) continue;
    const from = m.index + m[0].length;
    const program = line.slice(from).trim().replace(/"$/, '').split(/[\s",]+/)[0] ?? '';
    return { program: program || '|', span: { start: { line: i + 1, column: 1 }, end: { line: i + 1, column: Math.max(line.length, 1) + 1 } } };
  }
  return undefined;
}
