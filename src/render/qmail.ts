import type { Render } from './templates.js';

/**
 * qmail's files as apply writes them. The values come validated from the policy and are checked
 * again here, as every renderer does: what reaches a control file or a shell script is digits, a
 * path of safe characters, a host name or an address, never a blank, quote, `$` or newline.
 */

const PATH = /^(\/[A-Za-z0-9._+-]+)+$/;
const WORD = /^[A-Za-z0-9._+@-]+$/;

function check(what: string, value: string | number, re: RegExp): string {
  const text = String(value);
  if (!re.test(text)) throw new Error(`unsafe ${what} ${JSON.stringify(text)}`);
  return text;
}

/** A control file of one value: its first line is what qmail-smtpd reads (FORMATS.md §10). */
export function renderControlValue(value: string | number, render: Render): string {
  return render('qmail-control-value', { value: check('control value', value, /^[A-Za-z0-9][A-Za-z0-9 .,:;()_+@/-]*$/) });
}

export interface SmtpdRun {
  qmailDir: string;
  control: string;
  cdb: string;
  user: string;
  uid: number;
  gid: number;
  address: string;
  port: number;
  connections: number;
  /** Bytes; the script's ulimit -v takes KiB, rounded up. */
  memory: number;
  localName?: string;
}

/** The qmail-smtpd run script (templates/qmail-smtpd-run.hbs). */
export function renderSmtpdRun(s: SmtpdRun, render: Render): string {
  if (!Number.isSafeInteger(s.uid) || s.uid <= 0 || !Number.isSafeInteger(s.gid) || s.gid < 0) throw new Error(`unsafe ids ${s.uid}:${s.gid}`);
  return render('qmail-smtpd-run', {
    qmailDir: check('path', s.qmailDir, PATH),
    control: check('path', s.control, PATH),
    cdb: check('path', s.cdb, PATH),
    user: check('user', s.user, WORD),
    uid: s.uid,
    gid: s.gid,
    address: check('address', s.address, /^(0|\d{1,3}(\.\d{1,3}){3})$/),
    port: check('port', s.port, /^\d{1,5}$/),
    connections: check('number', s.connections, /^\d{1,5}$/),
    memory: check('number', s.memory, /^\d{1,15}$/),
    memoryKib: Math.ceil(s.memory / 1024),
    localName: s.localName === undefined ? '' : check('host name', s.localName, /^[A-Za-z0-9.-]+$/),
  });
}

/** The service's log/run: multilog (daemontools) or svlogd (runit) as the log user. */
export function renderSmtpdLogRun(o: { multilog: boolean; user: string; dir: string }, render: Render): string {
  return render('qmail-smtpd-log-run', { multilog: o.multilog, logger: o.multilog ? 'multilog' : 'svlogd', user: check('user', o.user, WORD), dir: check('path', o.dir, PATH) });
}

/** A ~alias/.qmail file that forwards to one address. */
export function renderDotQmail(o: { address: string; key: string; target: string }, render: Render): string {
  return render('dot-qmail', { address: check('address', o.address, WORD), key: check('key', o.key, WORD), target: check('address', o.target, WORD) });
}
