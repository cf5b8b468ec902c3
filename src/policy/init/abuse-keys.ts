import { SourceFile } from '../../core/source.js';
import { failMode, miltersOfCf } from '../../model/sendmail-milters.js';
import { parseAccess } from '../../parsers/access.js';
import { renderClientLimits } from '../../render/blocks.js';
import { clientEntries, clientKeys } from '../../render/networks.js';
import { POLICY_SCHEMA, type ClientLimit, type Policy } from '../schema.js';
import { accessMapFile, sendmailEffect, type DeriveContext, type Deriver, type Kept } from './context.js';
import { flat } from './text.js';
import { deriveGreetPause } from './tls-keys.js';

/**
 * abuse (the client limits) and milters, derived from the access map and sendmail.cf. As for every
 * key, a value is kept only when apply, given it, keeps the same behaviour: the limits move into
 * mailharden's block of the access map (a change of form, named in the header), the cf and the .mc
 * stay as they are.
 */

const NETWORK = new RegExp(POLICY_SCHEMA.properties.abuse.properties.clients.items.properties.network.pattern);
const MAX = { rate: POLICY_SCHEMA.properties.abuse.properties.clients.items.properties.rate.maximum, connections: POLICY_SCHEMA.properties.abuse.properties.clients.items.properties.connections.maximum };
const EXAMPLE_ABUSE = '{ clients: [{ network: 127.0.0.0/8, rate: 0, connections: 0 }], clientDefault: { rate: 10, connections: 10 } }';

type Abuse = NonNullable<Policy['abuse']>;

function deriveAbuse(c: DeriveContext): Kept<Abuse> {
  const sm = c.sm!;
  const path = accessMapFile(sm);
  if (path === undefined) return { keep: false, reason: 'abuse: the cf\'s access map is not a database makemap builds, so apply writes no client limits to it; limits to start from:', suggest: EXAMPLE_ABUSE };
  const text = c.tree.read(path);
  if (text === undefined) return { keep: false, reason: `abuse: there is no ${path}, so no client has a connection limit (FEATURE(ratecontrol), FEATURE(conncontrol)); limits to start from:`, suggest: EXAMPLE_ABUSE };
  const byNetwork = new Map<string, ClientLimit>();
  const fallback: { rate?: number; connections?: number } = {};
  const foreign: string[] = [];
  for (const e of parseAccess(new SourceFile(path, text)).entries) {
    const m = /^client(rate|conn):(.*)$/i.exec(`${e.tag ? `${e.tag}:` : ''}${e.key}`);
    if (!m) continue;
    const field = m[1]!.toLowerCase() === 'rate' ? 'rate' : 'connections';
    const value = e.value.trim();
    if (!/^[0-9]{1,7}$/.test(value) || Number(value) > MAX[field]) {
      foreign.push(`${m[0]} ${flat(value, 20)}`);
      continue;
    }
    const key = m[2]!;
    if (key === '') {
      // makemap keeps the first of two equal keys.
      fallback[field] ??= Number(value);
      continue;
    }
    const keys = NETWORK.test(key) ? clientKeys(key) : undefined;
    // A host name (ClientRate:localhost) is no network: the entry stays where it is, outside the block.
    if (!Array.isArray(keys) || keys.length !== 1 || keys[0] !== key) continue;
    const entry = byNetwork.get(key.toLowerCase()) ?? { network: key };
    entry[field] ??= Number(value);
    byNetwork.set(key.toLowerCase(), entry);
  }
  const clients = [...byNetwork.values()];
  const hasDefault = fallback.rate !== undefined || fallback.connections !== undefined;
  if (foreign.length) return { keep: false, reason: `abuse: ${path} has client limits the policy cannot state (${foreign.slice(0, 3).join(', ')}); apply would drop them with the others:`, suggest: EXAMPLE_ABUSE };
  if (!clients.length && !hasDefault) return { keep: false, reason: `abuse: ${path} sets no ClientRate: or ClientConn: limit; limits to start from:`, suggest: EXAMPLE_ABUSE };
  const value: Abuse = { ...(clients.length ? { clients } : {}), ...(hasDefault ? { clientDefault: fallback } : {}) };
  const all = [...clients, fallback];
  const control = { rate: all.some((x) => x.rate !== undefined), conn: all.some((x) => x.connections !== undefined) };
  const effect = sendmailEffect(sm, { clientControl: control });
  const shown = show(value);
  if (effect.mc) return { keep: false, reason: `abuse: apply would add or rewrite FEATURE(\`ratecontrol') or FEATURE(\`conncontrol') in sendmail.mc for these limits:`, suggest: shown };
  const missing = (control.rate && !/^SRateControl\b/m.test(sm.cfText)) || (control.conn && !/^SConnControl\b/m.test(sm.cfText));
  const after = renderClientLimits(text, clientEntries(clients, hasDefault ? fallback : undefined), { render: c.render, path });
  if (after !== text) c.explain(path, 'its ClientRate: and ClientConn: entries move into mailharden\'s block of client limits; the same limits');
  return { keep: true, value, note: missing ? 'as the access map says; sendmail.cf has no FEATURE(ratecontrol)/FEATURE(conncontrol) ruleset that reads them' : 'as now' };
}

function show(a: Abuse): string {
  const limit = (x: { rate?: number; connections?: number }): string => [x.rate !== undefined ? `rate: ${x.rate}` : '', x.connections !== undefined ? `connections: ${x.connections}` : ''].filter(Boolean).join(', ');
  const parts = [
    ...(a.clients ? [`clients: [${a.clients.map((x) => `{ network: ${JSON.stringify(x.network)}, ${limit(x)} }`).join(', ')}]`] : []),
    ...(a.clientDefault ? [`clientDefault: { ${limit(a.clientDefault)} }`] : []),
  ];
  return `{ ${parts.join(', ')} }`;
}

type Milters = NonNullable<Policy['milters']>;

function deriveMilters(c: DeriveContext): Kept<Milters> {
  const sm = c.sm!;
  const milters = miltersOfCf(sm.cf);
  if (!milters.length) return { keep: false, reason: 'milters: sendmail.cf declares no mail filter; for when one is added (mail waits while it is down):', suggest: '{ failMode: tempfail }' };
  const modes = new Set(milters.map(failMode));
  const mode = modes.size === 1 ? [...modes][0]! : undefined;
  if (mode === 'tempdrop') return { keep: false, reason: 'milters: the filters have F=4 (sendmail answers 421 and closes the connection while they are down), which the policy cannot state; the nearest:', suggest: '{ failMode: tempfail }' };
  if (mode === undefined || mode === 'open') {
    const open = milters.filter((m) => failMode(m) === 'open').map((m) => m.name);
    return { keep: false, reason: `milters: ${open.length ? `mail passes unfiltered while ${open.slice(0, 3).join(', ')} ${open.length === 1 ? 'is' : 'are'} down (no F=T or F=R, MH1093)` : 'the filters fail in different ways (F=T, F=4 and F=R)'}; one mode for all:`, suggest: '{ failMode: tempfail }' };
  }
  const value: Milters = { failMode: mode };
  const effect = sendmailEffect(sm, { milterFailMode: mode });
  if (effect.cf || effect.mc) return { keep: false, reason: `milters: apply would rewrite the F= flags of ${effect.mc ? 'sendmail.mc' : 'sendmail.cf'} (each filter gets exactly ${mode === 'tempfail' ? 'T' : 'R'} of the two):`, suggest: `{ failMode: ${mode} }` };
  return { keep: true, value, note: 'as now' };
}

/** Joins two flow mappings: `{ a: 1 }` and `{ b: 2 }` give `{ a: 1, b: 2 }`. */
const joinFlow = (a: string, b: string): string => `{ ${a.replace(/^\{ | \}$/g, '')}, ${b.replace(/^\{ | \}$/g, '')} }`;

/**
 * One abuse key from two sources: greetPause from the cf's greet_pause ruleset, the client limits from
 * the access map. What one of them leaves out is said in a comment above the key the other keeps.
 */
function deriveAbuseKey(c: DeriveContext): Kept<{ abuse: Abuse; off: string[]; note: string }> {
  const pause = deriveGreetPause(c.sm!);
  const limits = deriveAbuse(c);
  if (!pause.keep && !limits.keep) {
    const suggest = pause.suggest && limits.suggest ? joinFlow(pause.suggest, limits.suggest) : (pause.suggest ?? limits.suggest);
    return { keep: false, reason: `${pause.reason.replace(/:$/, '.')} ${limits.reason}`, ...(suggest ? { suggest } : {}) };
  }
  const off: string[] = [];
  const abuse: Abuse = {};
  const notes: string[] = [];
  if (pause.keep) {
    abuse.greetPause = pause.value;
    notes.push("greetPause as now (FEATURE(`greet_pause')'s default, in seconds)");
  } else off.push(`${pause.reason}${pause.suggest ? ` ${pause.suggest}` : ''}`);
  if (limits.keep) {
    Object.assign(abuse, limits.value);
    notes.push(`client limits ${limits.note ?? 'as now'}`);
  } else off.push(`${limits.reason}${limits.suggest ? ` ${limits.suggest}` : ''}`);
  return { keep: true, value: { abuse, off, note: notes.join('; ') } };
}

export const abuse: Deriver<{ abuse: Abuse; off: string[]; note: string }> = {
  key: 'abuse',
  sendmailOnly: true,
  derive: deriveAbuseKey,
  set: (p, v) => (p.abuse = v.abuse),
  write: (y, k) => {
    for (const o of k.value.off) y.comment(o);
    const shown = show(k.value.abuse);
    const pause = k.value.abuse.greetPause !== undefined ? `{ greetPause: ${k.value.abuse.greetPause} }` : undefined;
    const rest = shown === '{  }' ? undefined : shown;
    y.key('abuse', pause && rest ? joinFlow(pause, rest) : (pause ?? rest ?? '{}'), 0, k.value.note);
  },
};

export const milters: Deriver<Milters> = {
  key: 'milters',
  sendmailOnly: true,
  derive: deriveMilters,
  set: (p, v) => (p.milters = v),
  write: (y, k) => y.key('milters', `{ failMode: ${k.value.failMode} }`, 0, k.note),
};
