import { SourceFile } from '../../core/source.js';
import type { Layout } from '../../host/layout.js';
import type { HostTree } from '../../host/tree.js';
import { legacyAliasNames } from '../../model/aliases.js';
import { parseAs } from '../../parsers/documents.js';
import { renderAliases } from '../../render/aliases.js';
import type { Policy } from '../schema.js';
import { ALIAS_TARGET, type Deriver, type Kept } from './context.js';
import { flat, flow, listed, scalar } from './text.js';

type Derived = { policy: NonNullable<Policy['aliases']>; risky: string[] };

function deriveAliases(tree: HostTree, layout: Layout): Kept<Derived> {
  const path = layout.aliases;
  const text = tree.read(path);
  const legacy = legacyAliasNames();
  const suggest = `{ strip: ${flow(legacy)} }`;
  if (text === undefined) return { keep: false, reason: `aliases: ${path} does not exist (an aliases key would create it):`, suggest };
  const doc = parseAs('aliases', new SourceFile(path, text));
  const risky: string[] = [];
  for (const e of doc.withDeliveries) {
    const what = e.deliveries.map((t) => `${t.kind} ${flat(t.kind === 'program' ? (t.command ?? t.text) : (t.path ?? t.text), 60)}`);
    if (what.length) risky.push(`${e.name} (${what.join(', ')})`);
  }
  const classic = new Set(legacy);
  for (const k of new Set(doc.keys)) if (classic.has(k) && !risky.some((r) => r.startsWith(`${k} `))) risky.push(`${k} (a classic alias)`);
  // An aliases key makes apply write an indented line after a comment as the comment it is (sendmail drops it).
  if (renderAliases(text, { strip: [], set: [] }, path) !== text) return { keep: false, reason: `aliases: ${path} has an indented line after a comment, which sendmail drops silently (MH2007); apply would write it as a comment (a #), changing the file. Move it into its entry, then:`, suggest };
  const out: NonNullable<Policy['aliases']> = { strip: [] };
  for (const name of ['postmaster', 'root'] as const) {
    const idx = [...doc.keys].flatMap((k, i) => (k === name ? [i] : []));
    if (idx.length !== 1) continue;
    const e = doc.entries.at(idx[0]!)!;
    const value = e.value.trim();
    if (e.endLine === e.line && ALIAS_TARGET.test(value) && value.length <= 254 && value.toLowerCase() !== name) out[name] = value;
  }
  const set: [string, string][] = [];
  if (out.postmaster) set.push(['postmaster', out.postmaster]);
  if (out.root) set.push(['root', out.root]);
  if (renderAliases(text, { strip: [], set }, path) !== text) {
    delete out.postmaster;
    delete out.root;
  }
  return { keep: true, value: { policy: out, risky } };
}

export const aliases: Deriver<Derived> = {
  key: 'aliases',
  sendmailOnly: true,
  derive: (c) => deriveAliases(c.tree, c.layout),
  set: (p, v) => (p.aliases = v.policy),
  write(y, k, c) {
    y.key('aliases', '');
    const a = k.value;
    y.comment(`Nothing stripped on day one.${a.risky.length ? ` Risky entries in ${c.layout.aliases} (kept): ${listed(a.risky)}; strip them here once nothing needs them.` : ''}`, 2);
    y.key('strip', '[]', 2);
    if (a.policy.postmaster) y.key('postmaster', scalar(a.policy.postmaster), 2, 'as now');
    if (a.policy.root) y.key('root', scalar(a.policy.root), 2, 'as now');
  },
};
