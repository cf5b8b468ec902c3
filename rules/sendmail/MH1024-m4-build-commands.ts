import { posix } from 'node:path';
import { defineRule } from '../../src/core/rule.js';
import type { Span } from '../../src/core/types.js';
import { M4_TREES } from '../../src/host/layout.js';
import type { McArg, McCall } from '../../src/parsers/sendmail-mc.js';

const COMMANDS = new Set(['syscmd', 'esyscmd']);
const READS = new Set(['include', 'sinclude']);
/** cf.m4 macros that include `<cf tree>/<dir>/<first argument>.m4`. */
const INCLUDERS: Record<string, string> = { FEATURE: 'feature', OSTYPE: 'ostype', DOMAIN: 'domain', MAILER: 'mailer', HACK: 'hack' };
/** A builtin call nested in an argument, by name. */
const NESTED = /(?<![A-Za-z0-9_])(syscmd|esyscmd|include|sinclude)\(/g;

/**
 * Whether a path lies in an m4 tree of the system. A relative path is read from where m4 runs; the one
 * relative form the sendmail-cf README uses (`../m4/cf.m4`, from the tree's cf/ directory) is accepted
 * when it stays in the tree.
 */
function inTree(path: string): boolean {
  if (path.startsWith('/')) {
    const p = posix.normalize(path);
    return M4_TREES.some((t) => p.startsWith(`${t}/`));
  }
  if (!path.startsWith('../')) return false;
  return M4_TREES.some((t) => posix.normalize(posix.join(t, 'cf', path)).startsWith(`${t}/`));
}

/**
 * How deeply quoted a builtin may sit in a call's argument and still run when the cf is built: an
 * argument is unquoted once as it is collected, and what comes out of a define or of ifdef/ifelse is
 * rescanned once (HELP_FILE's value twice: proto.m4 expands it inside ifdef's arguments).
 */
function activeDepth(call: McCall, argIndex: number): number {
  if ((call.name === 'define' || call.name === 'pushdef') && argIndex === 1) return call.args[0]?.text === 'HELP_FILE' ? 2 : 1;
  return 1;
}

export default defineRule({
  meta: {
    id: 'MH1024',
    slug: 'm4-build-commands',
    kinds: ['sendmail-mc'],
    description: 'A sendmail.mc must not run commands (syscmd, esyscmd) or read files from outside the sendmail m4 tree (include, sinclude) when m4 builds the cf.',
    severity: 'critical',
    tags: ['m4', 'command', 'file'],
    references: ['CWE:78', 'CWE:73'],
    messages: {
      command: '{macro}() runs a shell command whenever sendmail.cf is built from this file, as the user who builds it (root, through make or apply)',
      file: '{macro}(`{path}\') reads a file outside the sendmail m4 tree into the cf: its text becomes configuration and m4 code, readable by everyone who reads sendmail.cf',
      computed: '{macro}() reads a file whose name m4 computes while it builds the cf, so it may lie outside the sendmail m4 tree',
      includer: '{macro}(`{name}\') includes {dir}/{name}.m4, which lies outside the {dir} directory of the sendmail m4 tree',
    },
    fix: 'remove the call; keep site m4 files in the m4 tree of the system (Debian: /etc/mail/m4) and build the cf as a user who cannot be tricked into running commands',
  },
  check(doc, ctx) {
    const { file } = doc;
    // Nearly every .mc has none of these names: look through the whole text once first.
    if (!/syscmd|include|FEATURE|OSTYPE|DOMAIN|MAILER|HACK/.test(file.text)) return;
    /** Where a piece of an argument lies, by its offset in the argument's text as written. */
    const spanIn = (arg: McArg, raw: string, from: number, length: number): Span => {
      const before = raw.slice(0, from);
      const nl = before.lastIndexOf('\n');
      const line = arg.span.start.line + (before.match(/\n/g)?.length ?? 0);
      const column = nl < 0 ? arg.span.start.column + from : from - nl;
      return file.span(line, column, length);
    };
    const checkPath = (macro: string, raw: string, path: string, span: Span): void => {
      // A name made of macros (`_CF_DIR_`'m4/cf.m4') is only known once m4 runs.
      if (/^`[^`']*'$/.test(raw.trim()) || /^[^`'A-Za-z_]*$/.test(raw.trim())) {
        if (!inTree(path)) ctx.report({ messageId: 'file', data: { macro, path }, span });
      } else ctx.report({ messageId: 'computed', data: { macro }, span });
    };
    // The next syscmd and include in the text at or after the last call asked about (calls come in
    // order): a call whose text holds neither has no argument to look through, found without slicing them.
    let nextSyscmd = -1;
    let nextInclude = -1;
    // Searched up to the end of the last call kept: a large .mc keeps calls from its first few MB only.
    const last = doc.calls[doc.calls.length - 1];
    const searched = last ? file.text.slice(0, file.offsetOf(last.span.end)) : '';
    const nextAt = (word: string, from: number): number => {
      const k = searched.indexOf(word, from);
      return k < 0 ? Infinity : k;
    };
    const mentions = (from: number, to: number): boolean => {
      if (nextSyscmd < from) nextSyscmd = nextAt('syscmd', from);
      if (nextInclude < from) nextInclude = nextAt('include', from);
      return nextSyscmd + 6 <= to || nextInclude + 7 <= to;
    };
    for (const c of doc.calls) {
      if (COMMANDS.has(c.name) && c.span !== c.nameSpan) ctx.report({ messageId: 'command', data: { macro: c.name }, span: c.nameSpan });
      else if (READS.has(c.name) && c.args[0]) checkPath(c.name, rawOf(c.args[0]), c.args[0].text, c.nameSpan);
      else if (c.name in INCLUDERS && c.args[0] && /\/|\.\./.test(c.args[0].text)) {
        ctx.report({ messageId: 'includer', data: { macro: c.name, name: c.args[0].text, dir: INCLUDERS[c.name]! }, span: c.args[0].span });
      }
      // Builtins in the arguments run while m4 collects them (unquoted), or when the value of a define or
      // the result of ifdef/ifelse is rescanned (quoted once; HELP_FILE's value twice).
      if (!mentions(file.offsetOf(c.span.start), file.offsetOf(c.span.end))) continue;
      c.args.forEach((arg, k) => {
        const raw = rawOf(arg);
        if (!/syscmd|include/.test(raw)) return;
        const limit = activeDepth(c, k);
        for (const m of raw.matchAll(NESTED)) {
          if (quoteDepth(raw, m.index) > limit) continue;
          const span = spanIn(arg, raw, m.index, m[1]!.length);
          if (COMMANDS.has(m[1]!)) ctx.report({ messageId: 'command', data: { macro: m[1]! }, span });
          else {
            const close = raw.indexOf(')', m.index);
            const inner = raw.slice(m.index + m[0].length, close < 0 ? raw.length : close);
            checkPath(m[1]!, inner, inner.replace(/[`']/g, '').trim(), span);
          }
        }
      });
    }

    function rawOf(arg: McArg): string {
      const start = file.offsetOf(arg.span.start);
      let end = file.offsetOf(arg.span.end);
      if (end - start === 1 && /[,)]/.test(file.text[start]!)) end = start;
      return file.text.slice(start, end);
    }
  },
});

/** The quote depth at an offset of an argument as written; unquoted dnl comments are skipped over. */
function quoteDepth(raw: string, at: number): number {
  let depth = 0;
  for (let k = 0; k < at; k++) {
    const c = raw[k];
    if (c === '`') depth++;
    else if (c === "'" && depth > 0) depth--;
    else if (depth === 0 && raw.startsWith('dnl', k) && !/\w/.test(raw[k - 1] ?? '') && !/\w/.test(raw[k + 3] ?? '')) {
      const eol = raw.indexOf('\n', k);
      if (eol < 0 || eol >= at) return Number.POSITIVE_INFINITY;
      k = eol;
    }
  }
  return depth;
}
