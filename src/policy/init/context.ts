import type { Layout } from '../../host/layout.js';
import type { HostTree } from '../../host/tree.js';
import { DB_TYPES } from '../../host/paths.js';
import { inQueueDirectory, mapSpec } from '../../model/cf-paths.js';
import type { SendmailModel } from '../../model/sendmail.js';
import type { SendmailCfDoc, SendmailMcDoc } from '../../parsers/documents.js';
import { renderSendmailCf, type SendmailSettings } from '../../render/sendmail-cf.js';
import { renderSendmailMc } from '../../render/sendmail-mc.js';
import type { Render } from '../../render/templates.js';
import { POLICY_SCHEMA, type Policy } from '../schema.js';
import { flat, type YamlText } from './text.js';

/** The patterns the schema gives policy values, so init writes only values the policy accepts. */
export const ABSOLUTE_PATH = new RegExp(POLICY_SCHEMA.properties.paths.properties.mailDir.pattern);
export const HOST_NAME = new RegExp(POLICY_SCHEMA.properties.hostname.pattern);
export const DOMAIN = new RegExp(POLICY_SCHEMA.properties.relay.properties.domains.items.pattern);
export const ALIAS_TARGET = new RegExp(POLICY_SCHEMA.properties.aliases.properties.root.pattern);
export const GREETING = new RegExp(POLICY_SCHEMA.properties.greeting.pattern);

/** Whether the path crosses a symlink on the way (apply refuses to write through one). */
export function crossesLink(tree: HostTree, path: string): boolean {
  const parts = path.split('/').filter(Boolean);
  let at = '';
  for (let i = 0; i < parts.length; i++) {
    at = `${at}/${parts[i]!}`;
    const m = tree.lstat(at);
    if (!m) return false;
    if (m.type === 'symlink') return true;
    if (i < parts.length - 1 && m.type !== 'dir') return false;
  }
  return false;
}

/** A setting derived from the system: kept (written) or left out with the reason. */
export type Kept<T> = { keep: true; value: T; note?: string } | { keep: false; reason: string; suggest?: string };

/** The sendmail configuration of the tree, and whether apply would change it for given settings. */
export interface SendmailSide {
  cfPath: string;
  cfText: string;
  cf: SendmailCfDoc;
  model: SendmailModel;
  mcPath: string;
  mcText?: string;
  mc?: SendmailMcDoc;
  layout: Layout;
}

/**
 * The access map file apply writes to (apply's accessTarget): the one the cf's Kaccess line names (in
 * the queue directory when relative, without .db), else the layout's; undefined when the cf's map is
 * not a database makemap builds. Every deriver that reads the access map (relay networks, client
 * limits) reads this one: reading another file than sendmail does would keep entries sendmail does not
 * read, and apply would then write over the ones it does.
 */
export function accessMapFile(sm: SendmailSide): string | undefined {
  const spec = mapSpec(sm.cf, 'access');
  if (!spec) return `${sm.layout.mailDir}/access`;
  if (!spec.path || !DB_TYPES.has(spec.class)) return undefined;
  return inQueueDirectory(sm.model, spec.path, sm.layout.mqueue).replace(/\.db$/, '');
}

/** What apply would do to sendmail.cf and sendmail.mc for these settings alone. */
export function sendmailEffect(s: SendmailSide, want: SendmailSettings): { cf: boolean; mc: boolean } {
  let cf = false;
  let mc = false;
  try {
    cf = renderSendmailCf(s.cfText, want, s.cfPath) !== s.cfText;
  } catch {
    cf = true;
  }
  if (s.mcText !== undefined) {
    try {
      mc = renderSendmailMc(s.mcText, want, s.mcPath) !== s.mcText;
    } catch {
      mc = true;
    }
  }
  return { cf, mc };
}

/** The last literal define of an m4 macro in the .mc, as the renderer finds it. */
function mcDefine(s: SendmailSide, macro: string): string | undefined {
  let value: string | undefined;
  for (const c of s.mc?.calls ?? []) if (c.name === 'define' && c.args[0]?.text === macro) value = c.args[1]?.text ?? '';
  return value;
}

/** Why apply would change sendmail.mc for a setting the cf already has (`value`: the cf's). */
export function mcReason(s: SendmailSide, macro: string, what: string, value: string): string {
  const d = mcDefine(s, macro);
  if (d === undefined) return `sendmail.mc has no define(\`${macro}') for ${what}: apply would add one, changing sendmail.mc`;
  const bare = d.startsWith('`') && d.endsWith("'") ? d.slice(1, -1) : d;
  if (d === value || bare === value) return `sendmail.mc defines ${macro} with the same value, but apply would rewrite that define (in the form it writes)`;
  return `sendmail.mc defines ${macro} as "${flat(d, 80)}", unlike sendmail.cf: apply would rewrite sendmail.mc`;
}


/** What every deriver may read: the tree, where its files are, and the sendmail configuration. */
export interface DeriveContext {
  tree: HostTree;
  layout: Layout;
  /** The qmail control directory. */
  control: string;
  mta: readonly ('sendmail' | 'qmail')[];
  /** Set when the tree has a sendmail.cf. */
  sm?: SendmailSide;
  render: Render;
  /** How apply names the policy in the blocks it writes. */
  label: string;
  /** The policy so far (the derivers before this one have set their keys). */
  policy: Policy;
  /** Records why a file changes on day one (for the header). */
  explain(path: string, text: string): void;
}

/** Works out one policy key from the system (one per key, run in the order the keys are written). */
export interface Deriver<T> {
  key: string;
  /** A sendmail setting: without sendmail.cf it is skipped, and one comment names all of them. */
  sendmailOnly?: boolean;
  derive(c: DeriveContext): Kept<T>;
  /** Puts a kept value into the policy. */
  set(policy: Policy, value: T): void;
  /** Writes a kept value (a key left out is written by writeKept, the same for all). */
  write(y: YamlText, kept: { value: T; note?: string }, c: DeriveContext): void;
}

/**
 * The block every key shares: a key derived is written by its deriver, a key left out is written
 * commented out with the reason (and the value to take in, when there is one).
 */
export function writeKept<T>(y: YamlText, d: Deriver<T>, kept: Kept<T>, c: DeriveContext): void {
  if (kept.keep) d.write(y, kept, c);
  else y.off(d.key, kept.suggest, kept.reason);
}

/** A deriver with its value type hidden, as the list holds them: run it, then write what it found. */
export interface Step {
  sendmailOnly: boolean;
  /** Derives the key and sets it in c.policy; returns the writer of its lines. */
  run(c: DeriveContext): (y: YamlText) => void;
}

/** Wraps a deriver for the list. */
export function step<T>(d: Deriver<T>): Step {
  return {
    sendmailOnly: d.sendmailOnly ?? false,
    run(c) {
      const kept = d.derive(c);
      if (kept.keep) d.set(c.policy, kept.value);
      return (y) => writeKept(y, d, kept, c);
    },
  };
}
