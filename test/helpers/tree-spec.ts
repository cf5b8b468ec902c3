import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { FIXTURES } from './fixtures.js';
import type { TestContext } from 'node:test';
import { tempDir } from './real.js';

/** A system tree described in a `.tree` fixture, with the findings it expects. */
export interface TreeFixture {
  name: string;
  entries: TreeEntry[];
  /** `ruleId path` pairs the fixture expects. */
  expected: string[];
  rules?: string[];
  profile?: string;
  /**
   * Rules whose expectations hold only where the filesystem keeps file attributes (`attributes=MH6007`):
   * elsewhere those rules must report nothing, and buildTree drops their expectations.
   */
  attributeRules?: string[];
}

export type TreeEntry =
  | {
      type: 'dir' | 'file';
      path: string;
      mode: number;
      uid: number;
      gid: number;
      content?: string;
      /** Modification time, seconds relative to when the tree is built (`mtime=-3600`). */
      mtime?: number;
      /** Set the immutable attribute (`attr=+i`). */
      immutable?: boolean;
    }
  | { type: 'link'; path: string; target: string };

const NAMES: Record<string, number> = { root: 0, bin: 2, sys: 3, mail: 8, nobody: 65534, nogroup: 65534, user: 1000 };
const idOf = (s: string): number => (/^\d+$/.test(s) ? Number(s) : (NAMES[s] ?? Number.NaN));
/** An option token at the start of what follows GROUP, with the blank after it. */
const TOKEN = /^(?:mtime=([+-]\d+)|attr=\+i|zeros=(\d+))(?:\s|$)/;
const unescape = (s: string): string => s.replace(/\\(n|t|\\)/g, (_, c: string) => (c === 'n' ? '\n' : c === 't' ? '\t' : '\\'));

/**
 * Reads a tree description: `dir PATH MODE OWNER GROUP`, `file PATH MODE OWNER GROUP [CONTENT]` (with
 * `\n` and `\t` escapes), `link PATH TARGET`; `# expect: MHnnnn PATH` lines name expected findings and
 * `# fixture: rules=… profile=…` sets options. Parents are made 0755 root:root unless listed.
 * Between GROUP and CONTENT, `dir` and `file` lines may carry `mtime=+N` / `mtime=-N` (seconds from
 * the time the tree is built), `attr=+i` (the immutable attribute) and `zeros=N` (the content starts with N
 * NUL bytes: `zeros=2048` is a valid cdb with no keys).
 */
export function parseTree(name: string, text: string): TreeFixture {
  const fx: TreeFixture = { name, entries: [], expected: [] };
  for (const raw of text.split('\n')) {
    const line = raw.trimEnd();
    if (line === '') continue;
    const expect = /^#\s*expect:\s*(MH\d{4})\s+(\S+)$/.exec(line);
    if (expect) {
      fx.expected.push(`${expect[1]} ${expect[2]}`);
      continue;
    }
    const header = /^#\s*fixture:(.*)$/.exec(line);
    if (header) {
      for (const item of header[1]!.trim().split(/\s+/)) {
        const [k, v = ''] = item.split('=');
        if (k === 'rules') fx.rules = v.split(',');
        if (k === 'profile') fx.profile = v;
        if (k === 'attributes') fx.attributeRules = v.split(',');
      }
      continue;
    }
    if (line.startsWith('#')) continue;
    const m = /^(dir|file|link)\s+(\S+)\s+(\S+)(?:\s+(\S+)\s+(\S+)(?:\s(.*))?)?$/.exec(line);
    if (!m) throw new Error(`${name}: cannot read tree line "${line}"`);
    if (m[1] === 'link') fx.entries.push({ type: 'link', path: m[2]!, target: m[3]! });
    else {
      const entry: TreeEntry = { type: m[1] as 'dir' | 'file', path: m[2]!, mode: parseInt(m[3]!, 8), uid: idOf(m[4]!), gid: idOf(m[5]!) };
      // Option tokens first, then the content (undefined when nothing follows them).
      let rest = m[6];
      let t: RegExpExecArray | null;
      let zeros = '';
      while (rest !== undefined && (t = TOKEN.exec(rest)) !== null) {
        if (t[1] !== undefined) entry.mtime = Number(t[1]);
        else if (t[2] !== undefined) zeros = '\0'.repeat(Number(t[2]));
        else entry.immutable = true;
        rest = t[0].length < rest.length ? rest.slice(t[0].length) : undefined;
      }
      if (rest !== undefined || zeros !== '') entry.content = zeros + unescape(rest ?? '');
      fx.entries.push(entry);
    }
  }
  return fx;
}

export function loadTreeFixtures(): TreeFixture[] {
  const dir = join(FIXTURES, 'roots');
  return readdirSync(dir)
    .filter((n) => n.endsWith('.tree'))
    .sort()
    .map((n) => parseTree(n, readFileSync(join(dir, n), 'utf8')));
}

/** Builds the tree in a fresh directory; owners are set only when running as root. Returns the root. */
export function buildTree(fx: TreeFixture): string {
  const root = tempDir('mh-root-');
  chmodSync(root, 0o755);
  const asRoot = process.getuid?.() === 0;
  for (const e of fx.entries) {
    const full = join(root, e.path);
    mkdirSync(dirname(full), { recursive: true, mode: 0o755 });
    if (e.type === 'link') symlinkSync(e.target, full);
    else {
      if (e.type === 'dir') mkdirSync(full, { recursive: true });
      else writeFileSync(full, e.content ?? '');
      if (asRoot) chownSync(full, e.uid, e.gid);
      chmodSync(full, e.mode);
    }
  }
  // Times and attributes last: creating children changes a directory's mtime, and an immutable file
  // cannot be changed at all.
  const now = Date.now() / 1000;
  for (const e of fx.entries) {
    if (e.type === 'link') continue;
    const full = join(root, e.path);
    if (e.mtime !== undefined) utimesSync(full, now + e.mtime, now + e.mtime);
  }
  for (const e of fx.entries) {
    if (e.type !== 'link' && e.immutable) setImmutable(join(root, e.path));
  }
  if (fx.attributeRules && !attributesWork(root)) {
    const rules = fx.attributeRules;
    fx.expected = fx.expected.filter((e) => !rules.includes(e.split(' ')[0]!));
  }
  return root;
}

/** Whether files under `dir` can be given the immutable attribute and read back (not on every filesystem, nor without CAP_LINUX_IMMUTABLE). */
export function attributesWork(dir: string): boolean {
  const probe = join(dir, '.mh-attribute-probe');
  writeFileSync(probe, '');
  try {
    if (spawnSync('chattr', ['+i', '--', probe]).status !== 0) return false;
    const r = spawnSync('lsattr', ['-d', '--', probe], { encoding: 'utf8' });
    spawnSync('chattr', ['-i', '--', probe]);
    return r.status === 0 && /^\S*i\S*\s/.test(r.stdout);
  } finally {
    rmSync(probe, { force: true });
  }
}

/**
 * Like needs() in real.ts, for the immutable attribute: a test that sets it skips with one line where
 * the file system keeps no attributes, and fails in CI, whose machine (ext4, root) has them.
 */
export function needsAttributes(t: TestContext, dir: string): boolean {
  if (attributesWork(dir)) return true;
  if (process.env.CI === 'true') throw new Error(`CI must keep file attributes: chattr +i does not work in ${dir}`);
  t.skip('this file system keeps no immutable attribute');
  return false;
}

/** Files made immutable by buildTree; the flag is cleared when the process exits, so temp trees can be removed. */
const immutables: string[] = [];
let cleanupHooked = false;

/** `chattr +i`; silently nothing where the filesystem has no attributes (the rules then report nothing either). */
function setImmutable(path: string): void {
  const r = spawnSync('chattr', ['+i', '--', path], { encoding: 'utf8' });
  if (r.status !== 0) return;
  immutables.push(path);
  if (!cleanupHooked) {
    cleanupHooked = true;
    process.on('exit', clearImmutable);
  }
}

/** Clears the immutable flag of every file buildTree set it on. */
export function clearImmutable(): void {
  if (immutables.length) spawnSync('chattr', ['-i', '--', ...immutables.splice(0)]);
}
