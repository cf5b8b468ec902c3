import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ruleNames } from '../core/engine.js';
import { PACKAGE_ROOT, VERSION } from '../paths.js';
import { UserError } from '../core/errors.js';
import { EXIT, type ExitCode } from '../core/exit.js';
import { coverageRows, ruleTable } from '../core/rule-docs.js';
import { rules } from '../../rules/index.js';
import { writeStdout } from './stdout.js';

/** The generated rule pages, shipped with the package. */
const DOCS = join(PACKAGE_ROOT, 'docs', 'rules');

/** `mailharden rules [ID] [--coverage] [--format text|json|md|xccdf]`. */
export async function runRules(rule: string | undefined, opts: { coverage?: boolean; format: string }): Promise<ExitCode> {
  const metas = rules.map((r) => r.meta);
  const write = (s: string) => writeStdout(s.endsWith('\n') ? s : `${s}\n`);
  if (!['text', 'json', 'md', 'xccdf'].includes(opts.format)) throw new UserError(`--format: expected text, json, md or xccdf, got "${opts.format}"`);
  if (opts.format === 'xccdf') {
    if (rule || opts.coverage) throw new UserError('--format xccdf: the benchmark of every rule (no rule id, no --coverage)');
    const { formatXccdf } = await import('../formatters/xccdf.js');
    return write(formatXccdf(metas, VERSION)), EXIT.ok;
  }
  if (rule) {
    const id = ruleNames(rules).resolve(rule);
    if (!id) throw new UserError(`no rule "${rule}" (see \`mailharden rules\`)`);
    const meta = metas.find((m) => m.id === id)!;
    if (opts.format === 'json') return write(JSON.stringify(meta, null, 2)), EXIT.ok;
    try {
      write(readFileSync(join(DOCS, `${id}.md`), 'utf8'));
    } catch {
      throw new UserError(`documentation for ${id} is missing from this installation (docs/rules/${id}.md)`, EXIT.runtime);
    }
    return EXIT.ok;
  }
  if (opts.coverage) {
    const rows = coverageRows(metas);
    if (opts.format === 'json') return write(JSON.stringify(rows, null, 2)), EXIT.ok;
    if (opts.format === 'md') {
      write(['| Source | Item | Rules |', '|---|---|---|', ...rows.map((r) => `| ${r.source} | ${r.item} | ${r.rules.join(', ')} |`)].join('\n'));
      return EXIT.ok;
    }
    const w = Math.max(...rows.map((r) => r.source.length), 6);
    const v = Math.max(...rows.map((r) => r.item.length), 4);
    write([`${'SOURCE'.padEnd(w)}  ${'ITEM'.padEnd(v)}  RULES`, ...rows.map((r) => `${r.source.padEnd(w)}  ${r.item.padEnd(v)}  ${r.rules.join(', ')}`)].join('\n'));
    return EXIT.ok;
  }
  if (opts.format === 'json') return write(JSON.stringify(metas, null, 2)), EXIT.ok;
  if (opts.format === 'md') return write(ruleTable(metas, (id) => `docs/rules/${id}.md`)), EXIT.ok;
  const w = Math.max(...metas.map((m) => m.slug.length));
  write(metas.map((m) => `${m.id}  ${m.slug.padEnd(w)}  ${m.severity.padEnd(8)}  ${m.description}`).join('\n'));
  return EXIT.ok;
}
