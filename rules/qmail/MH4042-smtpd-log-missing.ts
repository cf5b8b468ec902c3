import { posix } from 'node:path';
import { SourceFile } from '../../src/core/source.js';
import { defineRule } from '../../src/core/rule.js';
import { octal } from '../../src/host/mode.js';
import { otherWriters } from '../../src/host/paths.js';
import { AT_START, runScripts } from '../../src/host/qmail-paths.js';
import { baseName, literal, parseQmailRun, type ShellWord } from '../../src/parsers/qmail-run.js';

/** How much of a log/run script is read (run scripts themselves are read up to 8 MiB). */
const LOG_RUN_BYTES = 64 * 1024;

/** Loggers of daemontools, runit and s6 that keep what the service prints. */
const LOGGERS = new Set(['multilog', 's6-log', 'svlogd']);

/** The logger command of a log/run script: its words from the logger on, and the user setuidgid/chpst -u gives it. */
function logger(text: string): { words: ShellWord[]; user?: string } | undefined {
  const doc = parseQmailRun(new SourceFile('log/run', text), { commands: true });
  for (const c of doc.commands!) {
    const at = c.words.findIndex((w) => LOGGERS.has(baseName(w)));
    if (at < 0) continue;
    let user: string | undefined;
    for (let k = 0; k + 1 < at; k++) {
      const name = baseName(c.words[k]!);
      if (name === 'setuidgid' || (name === 'chpst' && literal(c.words[k + 1]!) === '-u')) user = literal(c.words[name === 'chpst' ? k + 2 : k + 1]!)?.split(':')[0];
      if (name === 's6-setuidgid') user = literal(c.words[k + 1]!);
    }
    return { words: c.words.slice(at), ...(user !== undefined ? { user } : {}) };
  }
  return undefined;
}

/** The directories a logger writes: multilog's and svlogd's arguments that are paths (`./main`, `/var/log/qmail/smtpd`). */
function logDirs(words: readonly ShellWord[]): string[] {
  const out: string[] = [];
  for (const w of words.slice(1)) {
    const text = literal(w);
    if (text !== undefined && (text.startsWith('/') || text.startsWith('./'))) out.push(text);
  }
  return out;
}

export default defineRule({
  meta: {
    id: 'MH4042',
    slug: 'smtpd-log-missing',
    kinds: ['host'],
    description: 'A qmail-smtpd service directory needs a log/run that runs a logger (multilog, svlogd, s6-log) as an unprivileged user who owns the log directory; otherwise what tcpserver -v prints is lost, or the logger cannot write and the service stalls.',
    severity: 'low',
    tags: ['qmail', 'logging', 'host'],
    references: ['LWQ:qmail-smtpd-log-run', 'qmail-SECURITY:1'],
    messages: {
      noLog: '{service} has no log/run: what tcpserver and qmail-smtpd print goes to the console of the supervisor (svscan\'s readproctitle) and is lost',
      noLogger: '{path} runs no logger (multilog, svlogd or s6-log): the lines of the SMTP service are not kept',
      owner: '{dir} is owned by {owner}, but {path} runs the logger as {user}: it cannot write there, the pipe fills, and tcpserver blocks on its next log line',
      writable: '{dir} has mode {mode}: {who} can rewrite or remove the record of the SMTP service',
    },
    fix: 'create log/run with: exec setuidgid qmaill multilog t /var/log/qmail/smtpd, and chown qmaill /var/log/qmail/smtpd (mode 0750 or 0755)',
  },
  check(host, ctx) {
    const { tree, accounts } = host;
    const seen = new Set<string>();
    for (const { path, doc } of runScripts(host)) {
      if (!doc.tcpservers.some((c) => c.smtpd)) continue;
      const service = posix.dirname(path);
      const real = tree.resolve(service);
      if (real === undefined || seen.has(real)) continue;
      seen.add(real);
      const logRun = posix.join(real, 'log/run');
      // A logger's script is a line or two: its first 64 KiB say which logger runs, whatever follows.
      const text = tree.file(logRun) ? tree.read(logRun, LOG_RUN_BYTES) : undefined;
      if (text === undefined) {
        const call = doc.tcpservers.find((c) => c.smtpd)!;
        ctx.report({ messageId: 'noLog', data: { service: real }, path, span: call.word.span });
        continue;
      }
      const found = logger(text);
      if (!found) {
        ctx.report({ messageId: 'noLogger', data: { path: logRun }, path: logRun, span: AT_START });
        continue;
      }
      for (const dir of logDirs(found.words)) {
        const abs = posix.resolve(posix.join(real, 'log'), dir);
        const target = tree.resolve(abs);
        const meta = target === undefined ? undefined : tree.lstat(target);
        if (!meta || meta.type !== 'dir') continue;
        const uid = found.user === undefined ? undefined : accounts.uidOf(found.user) ?? (/^[0-9]+$/.test(found.user) ? Number(found.user) : undefined);
        if (uid !== undefined && meta.uid !== uid && uid !== 0) {
          ctx.report({ messageId: 'owner', data: { dir: target!, owner: accounts.userName(meta.uid), path: logRun, user: found.user! }, path: target!, span: AT_START });
        }
        const who = otherWriters(meta, accounts);
        if (who) ctx.report({ messageId: 'writable', data: { dir: target!, mode: octal(meta.mode), who }, path: target!, span: AT_START });
      }
    }
  },
});
