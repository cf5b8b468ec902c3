import { existsSync, mkdirSync, readdirSync, readlinkSync, symlinkSync, chmodSync, unlinkSync } from 'node:fs';
import { posix } from 'node:path';
import { nameFromBytes } from '../core/fs-names.js';
import { qmailPaths } from '../host/layout.js';
import { makeCdb, morercpthostsKeys } from '../model/cdb.js';
import type { Policy } from '../policy/schema.js';
import type { Dirs } from './dirs.js';
import { changes, encodeText, MAX_READ, type Plan } from './plan.js';
import { SMTPD_DEFAULTS } from './qmail-plan.js';
import { which } from './validate.js';
import { smtpdSession } from './verify-qmail.js';
import type { Check, Runner } from './verify.js';
import type { Workdir } from './workdir.js';
import { readBytes, writeTemp } from './write.js';

/**
 * The planned control files judged by the installed qmail-smtpd before anything is written: a copy of
 * the control directory as it would be after the run (every current file with its mode and owner, the
 * planned ones over them, morercpthosts.cdb built from the planned morercpthosts) is mounted on the
 * control directory in a mount namespace of its own, and one session as the smtpd user must greet as
 * the policy says, accept a policy domain and refuse relaying (verify-qmail.ts smtpdSession). A
 * control file the smtpd user cannot read, or a greeting qmail-smtpd does not send, is found here,
 * not by the first client.
 *
 * Returns the checks, or why the candidate could not be judged (no qmail-smtpd, not root, no unshare).
 */
export function judgeQmailCandidate(plan: Plan, policy: Policy, dirs: Dirs, work: Workdir, run: Runner, accounts: { uidOf(n: string): number | undefined; gidOf(n: string): number | undefined }): Check[] | { skipped: string } {
  const control = qmailPaths(plan.layout).control;
  const planned = plan.files.filter((f) => posix.dirname(f.path) === control);
  if (!planned.some(changes)) return [];
  const smtpd = posix.join(plan.root, plan.layout.qmailDir, 'bin', 'qmail-smtpd');
  if (!existsSync(smtpd)) return { skipped: `${smtpd} is not installed` };
  if (process.getuid?.() !== 0) return { skipped: 'a session as the smtpd user needs root' };
  const setpriv = which('setpriv');
  const unshare = which('unshare');
  if (!setpriv || !unshare) return { skipped: 'setpriv and unshare (util-linux) are needed' };
  const user = policy.qmail?.smtpd?.user ?? SMTPD_DEFAULTS.user;
  const uid = accounts.uidOf(user);
  const gid = accounts.gidOf(user);
  if (uid === undefined || gid === undefined) return { skipped: `no user ${user}` };

  const name = `qmail-control-${process.pid}-${Date.now()}`;
  mkdirSync(work.dir.at(name), { mode: 0o755 });
  chmodSync(work.dir.at(name), 0o755);
  const into = (n: string): string => `${work.dir.forChild(name)}/${n}`;
  const current = dirs.dir(control);
  if (current) {
    for (const n of readdirSync(current.self, { encoding: 'buffer' }).map(nameFromBytes)) {
      const st = current.lstat(n);
      if (st?.isSymbolicLink()) symlinkSync(readlinkSync(current.at(n), { encoding: 'buffer' }), into(n));
      else if (st?.isFile()) writeTemp(into(n), readBytes(current, n, MAX_READ, `${control}/${n}`), st.mode & 0o7777, { uid: st.uid, gid: st.gid });
    }
  }
  for (const f of planned) {
    const n = posix.basename(f.path);
    const bytes = encodeText(f.after, f.encoding);
    if (existsSync(into(n))) unlinkSync(into(n));
    writeTemp(into(n), bytes, f.mode, { uid: f.uid, gid: f.gid });
    if (f.derived && posix.basename(f.derived) === 'morercpthosts.cdb') {
      if (existsSync(into('morercpthosts.cdb'))) unlinkSync(into('morercpthosts.cdb'));
      writeTemp(into('morercpthosts.cdb'), makeCdb(morercpthostsKeys(bytes).map((key) => ({ key, data: Buffer.alloc(0) }))), 0o644);
    }
  }
  return smtpdSession({ smtpd, user, uid, gid, setpriv, run, domains: policy.relay?.domains ?? [], ...(policy.qmail?.greeting !== undefined ? { greeting: policy.qmail.greeting } : {}), bind: { from: work.dir.forChild(name), onto: posix.join(plan.root, control), unshare } });
}
