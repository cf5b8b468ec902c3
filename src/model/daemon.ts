import { isLoopbackAddress } from './address.js';
import type { Setting, SendmailModel } from './sendmail.js';

/** One listener, read from a DaemonPortOptions value the way sendmail's setsockaddroptions() reads it. */
export interface Daemon {
  setting: Setting;
  /** Name= as written, or the name sendmail gives an unnamed daemon (`Daemon0`, `Daemon1`, …). */
  name: string;
  /** Port= as written (`smtp`, `587`), or `smtp` when absent. */
  port: string;
  /** Addr= as written, or undefined when the daemon binds every address. */
  addr?: string;
  /** Family= in lower case; `inet` when absent. */
  family: string;
  /** M= modifiers, one letter each. */
  modifiers: string;
}

/**
 * Splits a DaemonPortOptions value into its fields. sendmail cuts at commas, skips blanks before a
 * field and after its `=`, and keys a field by its first letter only, in either case (`Addr=`,
 * `address=` and `A=` are the same field). Fields without `=` are skipped.
 */
export function readDaemon(setting: Setting, index: number): Daemon {
  const d: Daemon = { setting, name: `Daemon${index}`, port: 'smtp', family: 'inet', modifiers: '' };
  for (const field of setting.value.split(',')) {
    const eq = field.indexOf('=');
    if (eq < 0) continue;
    const key = field.trimStart()[0]?.toUpperCase();
    const value = field.slice(eq + 1).trim();
    if (key === 'A') d.addr = value;
    else if (key === 'F') d.family = value.toLowerCase();
    else if (key === 'M') d.modifiers = value;
    else if (key === 'N') d.name = value;
    else if (key === 'P') d.port = value;
  }
  return d;
}

/**
 * The daemons a configuration starts, in order. A .cf without DaemonPortOptions gets sendmail's
 * built-in `Daemon0` (port 25, every address; initdaemon() in daemon.c). In a .mc, proto.m4 adds the
 * MSA on port 587 after the DAEMON_OPTIONS lines unless FEATURE(`no_default_msa') is used, however many
 * DAEMON_OPTIONS there are; the model adds it only when there are none, so it is completed here.
 */
export function daemonsOf(model: SendmailModel): readonly Daemon[] {
  // Five rules ask for the same model's daemons: read once (a large .mc has thousands of DAEMON_OPTIONS).
  let daemons = read.get(model);
  if (!daemons) {
    daemons = readDaemons(model);
    read.set(model, daemons);
  }
  return daemons;
}

/** The daemons of each model read so far (a model is not changed once built). */
const read = new WeakMap<SendmailModel, readonly Daemon[]>();

function readDaemons(model: SendmailModel): Daemon[] {
  const settings = [...model.daemons];
  if (model.origin === 'cf' && settings.length === 0) {
    settings.push({ name: 'DaemonPortOptions', value: 'Name=Daemon0', span: model.anchor, implicit: true });
  }
  if (model.origin === 'mc' && !model.features.some((f) => f.name === 'no_default_msa') && !settings.some((s) => s.implicit && /Name=MSA\b/.test(s.value))) {
    settings.push({ name: 'DaemonPortOptions', value: 'Port=587, Name=MSA, M=E', span: model.anchor, implicit: true });
  }
  return settings.map((s, i) => readDaemon(s, i));
}

/**
 * True when the daemon cannot be reached from another host: a UNIX-domain socket, or an address in
 * 127.0.0.0/8 or ::1 (also written 0:0:0:0:0:0:0:1, or IPv4-mapped ::ffff:127.x.y.z).
 */
export function isLocalOnly(d: Daemon): boolean {
  if (d.family === 'local' || d.family === 'unix') return true;
  return d.addr !== undefined && isLoopbackAddress(d.addr);
}

/** The port as a number when sendmail would resolve it to a well-known one, else undefined. */
export function portNumber(port: string): number | undefined {
  const p = port.trim().toLowerCase();
  if (/^\d+$/.test(p)) return Number(p);
  const named: Record<string, number> = { smtp: 25, submission: 587, smtps: 465, submissions: 465 };
  return named[p];
}

/** Where the daemon listens, for messages: `every address` or `address 192.0.2.1`. */
export function whereOf(d: Daemon): string {
  return d.addr === undefined || d.addr === '' ? 'every address' : `address ${d.addr}`;
}
