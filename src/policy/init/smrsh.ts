import { posix } from 'node:path';
import type { HostTree } from '../../host/tree.js';
import { baseName, smrshForbidden } from '../../model/programs.js';
import { ABSOLUTE_PATH, sendmailEffect, type Deriver, type Kept, type SendmailSide } from './context.js';
import { flat, flow } from './text.js';

function deriveSmrsh(tree: HostTree, sm: SendmailSide, explain: (path: string, text: string) => void): Kept<string[]> {
  const dir = sm.layout.smrshDir;
  const prog = sm.model.prog;
  const allow: string[] = [];
  const refused: string[] = [];
  const unkept: string[] = [];
  const ignored: string[] = [];
  const relinked: string[] = [];
  for (const name of tree.list(dir)) {
    const path = `${dir}/${name}`;
    const meta = tree.lstat(path);
    if (!meta) continue;
    if (meta.type === 'dir') {
      ignored.push(`${name}/ (a directory; apply leaves it)`);
      continue;
    }
    if (meta.type !== 'symlink' || meta.target === undefined) {
      const bad = smrshForbidden(name);
      if (bad) {
        refused.push(`${path} (${meta.type === 'file' ? 'a file' : 'an entry'} named ${name}: ${bad})`);
        explain(path, `${name} is ${bad}; the policy cannot allow it`);
      } else unkept.push(`${path} is ${meta.type === 'file' ? 'a copy of a program, not a link' : 'not a link'} (apply keeps only links, named after their target)`);
      continue;
    }
    const target = meta.target.startsWith('/') ? posix.normalize(meta.target) : posix.join(dir, meta.target);
    const bad = smrshForbidden(target) ?? smrshForbidden(name);
    if (bad) {
      refused.push(`${path} (a link to ${meta.target}: ${bad})`);
      explain(path, `${meta.target} is ${bad}; the policy cannot allow it`);
      continue;
    }
    if (baseName(target) !== name) {
      unkept.push(`${path} links to ${meta.target} under another name (apply names each link after its target)`);
      continue;
    }
    if (!ABSOLUTE_PATH.test(target)) {
      unkept.push(`${path} links to ${meta.target}, not a path the policy can hold`);
      continue;
    }
    if (target !== meta.target) {
      relinked.push(path);
      explain(path, 'the same program, linked by its absolute path');
    }
    if (!allow.includes(target)) allow.push(target);
  }
  const suggest = `{ allow: ${flow(allow)} }`;
  if (prog && baseName(prog.path) !== 'smrsh') {
    return { keep: false, reason: `smrsh: the prog mailer runs ${prog.path} ("${flat(prog.argv, 40)}"), not smrsh, so aliases and .forward files can run any command. Setting smrsh switches it to ${sm.layout.smrshBin}, a change of behaviour; the programs in ${dir} now:`, suggest };
  }
  const effect = sendmailEffect(sm, { smrsh: sm.layout.smrshBin });
  if (effect.cf || effect.mc) {
    const what = effect.cf ? `rewrite the prog mailer of sendmail.cf to P=${sm.layout.smrshBin}, A=smrsh -c $u (now P=${prog?.path ?? '?'}, A=${flat(prog?.argv ?? '?', 40)})` : 'change sendmail.mc (FEATURE(`smrsh\') before MAILER(`local\'))';
    return { keep: false, reason: `smrsh: apply would ${what}; the programs in ${dir} now:`, suggest };
  }
  if (unkept.length) return { keep: false, reason: `smrsh: apply could not keep ${dir} as it is: ${unkept.join('; ')}. The programs it can hold:`, suggest };
  const notes: string[] = [];
  if (allow.length === 0 && refused.length === 0) notes.push(tree.stat(dir)?.type === 'dir' ? `${dir} is empty: smrsh runs no program.` : `${dir} does not exist: smrsh runs no program.`);
  else notes.push(`The links in ${dir}.`);
  if (refused.length) notes.push(`Left out, and removed by apply, since the policy cannot allow them: ${refused.join('; ')}.`);
  if (relinked.length) notes.push(`Relative links (${relinked.join(', ')}) become absolute.`);
  if (ignored.length) notes.push(`Not managed: ${ignored.join(', ')}.`);
  return { keep: true, value: allow, note: notes.join(' ') };
}

export const smrsh: Deriver<string[]> = {
  key: 'smrsh',
  sendmailOnly: true,
  derive: (c) => deriveSmrsh(c.tree, c.sm!, c.explain),
  set: (p, v) => (p.smrsh = { allow: v }),
  write(y, k) {
    y.key('smrsh', '');
    if (k.note) y.comment(k.note, 2);
    y.key('allow', flow(k.value), 2);
  },
};
