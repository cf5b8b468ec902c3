import { fileURLToPath } from 'node:url';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { FILE_KINDS, type FileKind } from '../../src/core/types.js';

export const FIXTURES = join(fileURLToPath(new URL('.', import.meta.url)), '..', '..', '..', 'fixtures');

/** A fixture file with the expectations written inside it. */
export interface Fixture {
  path: string;
  name: string;
  kind: FileKind;
  text: string;
  /** `line → sorted rule ids` the fixture expects. */
  expected: Map<number, string[]>;
  /** Rule ids the comparison looks at; undefined means every rule. */
  rules?: string[];
  /** Settings from the fixture header (`localOnly=true`). */
  settings: Record<string, string>;
  /** What real sendmail must do with this cf spliced into Debian's stock cf. */
  sendmail?: 'accepts' | 'refuses' | 'warns';
}

const MARKER = /^(?:dnl[ \t]*)?#[ \t]*expect(?:@L(\d+))?:[ \t]*(.+)$/;
const HEADER = /^(?:dnl[ \t]*)?#[ \t]*fixture:(.*)$/;

/**
 * Reads every fixture under fixtures/<kind>/. Markers: `# expect: ID[:severity][,ID]` applies to the next line
 * that is not a marker; `# expect@L7: ID` to line 7. A `# fixture: rules=ID,ID|all key=value` line
 * sets which rules are compared (default: the MHnnnn the file name starts with, or all) and settings.
 */
export function loadFixtures(): Fixture[] {
  const out: Fixture[] = [];
  for (const kind of FILE_KINDS) {
    let names: string[];
    try {
      names = readdirSync(join(FIXTURES, kind)).sort();
    } catch {
      continue;
    }
    for (const name of names) {
      const path = join(FIXTURES, kind, name);
      const text = readFileSync(path, 'utf8');
      out.push(parseFixture(relative(join(FIXTURES, '..'), path), name, kind, text));
    }
  }
  return out;
}

/** A probe fixture: a transcript (fixtures/probe/*.smtp, *.pop3, *.imap) with the same expect markers. */
export type ProbeFixture = Omit<Fixture, 'kind'> & { kind: 'probe' };

export function loadProbeFixtures(): ProbeFixture[] {
  const dir = join(FIXTURES, 'probe');
  return readdirSync(dir)
    .filter((n) => /\.(smtp|pop3|imap)$/.test(n))
    .sort()
    .map((name) => {
      const path = join(dir, name);
      const f = parseFixture(relative(join(FIXTURES, '..'), path), name, 'sendmail-cf', readFileSync(path, 'utf8'));
      return { ...f, kind: 'probe' as const };
    });
}

function parseFixture(path: string, name: string, kind: FileKind, text: string): Fixture {
  const lines = text.split('\n');
  const expected = new Map<number, string[]>();
  const settings: Record<string, string> = {};
  let rules: string[] | undefined;
  const prefix = /^(MH\d{4})/.exec(name);
  if (prefix) rules = [prefix[1]!];
  let sendmail: Fixture['sendmail'];
  const add = (line: number, ids: string[]): void => {
    expected.set(line, [...(expected.get(line) ?? []), ...ids].sort());
  };
  lines.forEach((raw, idx) => {
    const l = raw.replace(/\r$/, '');
    const h = HEADER.exec(l);
    if (h) {
      for (const item of h[1]!.trim().split(/\s+/).filter(Boolean)) {
        const [k, v = ''] = item.split('=');
        if (k === 'rules') rules = v === 'all' ? undefined : v.split(',');
        else if (k === 'sendmail') sendmail = v as Fixture['sendmail'];
        else settings[k!] = v;
      }
      return;
    }
    const m = MARKER.exec(l);
    if (!m) return;
    const ids = m[2]!.split(/[\s,]+/).filter(Boolean);
    if (m[1]) {
      add(Number(m[1]), ids);
      return;
    }
    let target = idx + 1;
    while (target < lines.length && MARKER.test(lines[target]!.replace(/\r$/, ''))) target++;
    add(target + 1, ids);
  });
  const f: Fixture = { path, name, kind, text, expected, settings };
  if (rules) f.rules = rules;
  if (sendmail) f.sendmail = sendmail;
  return f;
}
