import { posix } from 'node:path';
import { defineRule } from '../../src/core/rule.js';
import { qmailPaths } from '../../src/host/layout.js';
import { type Meta } from '../../src/host/tree.js';
import { octal } from '../../src/host/mode.js';
import { otherWriters } from '../../src/host/paths.js';
import { AT_START, rulesCdb, runScripts, smtpdCalls } from '../../src/host/qmail-paths.js';

/** What someone who can write a file of each group decides. */
const WHAT = {
  control: 'qmail reads there (the domains it accepts and relays for, where it delivers)',
  rules: 'tcpserver decides per client (who may relay, who is refused)',
  script: 'supervise runs as root',
} as const;

export default defineRule({
  meta: {
    id: 'MH4011',
    slug: 'qmail-config-writable',
    kinds: ['host'],
    description: "The control directory and files of qmail, the tcpserver rules and the qmail-smtpd run scripts must be owned by root and writable by nobody else.",
    severity: 'high',
    tags: ['qmail', 'host', 'permissions'],
    references: ['qmail-hier.c:control', 'qmail-SECURITY:4'],
    messages: {
      owner: '{path} is owned by {owner}, not root: that user can change what {what}',
      writable: '{path} has mode {mode}: {who} can change what {what}',
    },
    fix: 'chown root the files and directories and chmod go-w them (hier.c makes control/ 0755 root:qmail; files 0644)',
  },
  check(host, ctx) {
    const { tree, accounts } = host;
    const seen = new Set<string>();
    const check = (path: string, group: keyof typeof WHAT, types: readonly Meta['type'][]): void => {
      const real = tree.resolve(path);
      const meta = real === undefined ? undefined : tree.lstat(real);
      if (!meta || !types.includes(meta.type) || seen.has(real!)) return;
      seen.add(real!);
      const at = { path: real!, span: AT_START };
      if (meta.uid !== 0) ctx.report({ messageId: 'owner', data: { path: real!, owner: accounts.userName(meta.uid), what: WHAT[group] }, ...at });
      const who = otherWriters(meta, accounts);
      // A sticky directory still lets its writers add files (a new morercpthosts, a missing rcpthosts).
      if (who) ctx.report({ messageId: 'writable', data: { path: real!, mode: octal(meta.mode), who, what: WHAT[group] }, ...at });
    };
    const control = qmailPaths(host.layout).control;
    check(control, 'control', ['dir']);
    const controlReal = tree.resolve(control);
    if (controlReal !== undefined && tree.lstat(controlReal)?.type === 'dir') for (const name of tree.list(controlReal)) check(posix.join(controlReal, name), 'control', ['file']);
    for (const source of host.layout.tcpRules) {
      check(source, 'rules', ['file']);
      check(`${source}.cdb`, 'rules', ['file']);
    }
    for (const { path, doc, call } of smtpdCalls(host)) {
      const cdb = rulesCdb(path, doc, call);
      if (cdb) check(cdb, 'rules', ['file']);
    }
    for (const { path } of runScripts(host)) {
      check(path, 'script', ['file']);
      check(posix.dirname(path), 'script', ['dir']);
    }
  },
});
