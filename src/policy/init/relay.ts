import { BLANKS, trimEndOf } from '../../core/trim.js';
import { jsonVisible, visibleControls } from '../../core/visible.js';
import { qmailPaths, type Layout } from '../../host/layout.js';
import type { HostTree } from '../../host/tree.js';
import { formatCidr } from '../../model/tcprules.js';
import { BLOCK_BEGIN, renderAccess, renderList, renderTcpSmtp } from '../../render/blocks.js';
import { relayKeys } from '../../render/networks.js';
import type { Render } from '../../render/templates.js';
import { DOMAIN, sendmailEffect, type Deriver, type Kept, type SendmailSide } from './context.js';
import { WEAK_RELAY_FEATURES } from '../../render/sendmail-cf.js';
import { expandTcpKeys, networksOf, readAccessRelay, readTcpRelay, sameSet, type RelayRead } from './relay-read.js';
import { flow, listed } from './text.js';

/** relay.networks: the clients tcp.smtp and the access map let relay by address, when one list states both. */
function deriveNetworks(tree: HostTree, layout: Layout, mta: readonly string[], sm: SendmailSide | undefined, render: Render, explain: (path: string, text: string) => void): Kept<string[]> {
  const reads: RelayRead[] = [];
  const tcp = mta.includes('qmail') ? readTcpRelay(tree, layout) : undefined;
  const access = mta.includes('sendmail') ? readAccessRelay(tree, layout, sm) : undefined;
  if (tcp) reads.push(tcp);
  if (access) reads.push(access);
  const blocks = networksOf(reads.flatMap((r) => r.blocks));
  const networks = [...new Set([...blocks.map(formatCidr), ...reads.flatMap((r) => r.v6)])];
  const suggest = networks.length ? flow(networks) : undefined;
  const files = reads.filter((r) => r.path).map((r) => r.path!);
  const problems = reads.flatMap((r) => r.problems);
  // The cf's access map is no file apply writes: nothing to keep, whatever tcp.smtp says.
  if (access && !access.looked) return { keep: false, reason: `${access.problems.join('; ')}.` };
  if (files.length === 0) {
    const where = [mta.includes('qmail') ? `tcp.smtp (${layout.tcpRules.join(', ')})` : '', access?.looked ?? ''].filter(Boolean).join(' or ');
    return { keep: false, reason: `no ${where}: no client relays by address now (apply would create the file).` };
  }
  if (problems.length) return { keep: false, reason: `the clients that relay now cannot be stated as networks, so apply would change who relays: ${problems.join('; ')}.`, ...(suggest ? { suggest } : {}) };
  if (networks.length === 0) return { keep: false, reason: `no client relays by address now (${files.join(', ')}); an empty list would still make apply rewrite those files.` };
  // An MTA without its relay file would get one, and relay for clients it does not relay for now.
  if (tcp && !tcp.path) return { keep: false, reason: `sendmail's access map lets clients relay, but qmail has no tcp.smtp (${layout.tcpRules.join(', ')}): apply would create one for them, and the policy has one list for both.`, ...(suggest ? { suggest } : {}) };
  if (access && !access.path) return { keep: false, reason: `qmail's tcp.smtp lets clients relay, but sendmail has no ${access.looked}: apply would create one for them, and the policy has one list for both.`, ...(suggest ? { suggest } : {}) };
  const keys = relayKeys(networks);
  if (access?.path && keys.accessSkipped.length) return { keep: false, reason: `apply cannot write every network that relays now as an access key (${keys.accessSkipped.join('; ')}), so it would drop its entry from ${access.path}.`, ...(suggest ? { suggest } : {}) };
  // Both MTAs get the one list: each must relay for exactly the clients it relays for now.
  if (tcp?.path) {
    const written = expandTcpKeys(keys.tcp);
    if (!sameSet(written, tcp.keys)) return { keep: false, reason: `qmail's ${tcp.path} and sendmail's access map let different clients relay, and the policy has one list for both.`, ...(suggest ? { suggest } : {}) };
  }
  if (access?.path) {
    const written = new Set(keys.access.map((k) => (k.startsWith('IPv6:') ? `IPv6:${k.slice(5).toLowerCase()}` : k)));
    if (!sameSet(written, access.keys)) return { keep: false, reason: `sendmail's access map and qmail's tcp.smtp let different clients relay and the policy has one list for both.`, ...(suggest ? { suggest } : {}) };
  }
  const notes: string[] = [];
  for (const r of reads) {
    if (!r.path || r.text === undefined) continue;
    const after = r === tcp
      ? renderTcpSmtp(r.text, keys.tcp, keys.tcpSkipped, { render, path: r.path, cdb: `${r.path}.cdb` })
      : renderAccess(r.text, keys.access, keys.accessSkipped, { render, path: r.path });
    if (after !== r.text) explain(r.path, `${r.text.includes(BLOCK_BEGIN) ? "mailharden's relay block is rewritten (an older mailharden wrote the policy file's name in its first line, or its entries differ)" : "its relay entries move into mailharden's block"}; the same clients relay${r.form.length ? ` (${listed(r.form, 3)})` : ''}${r.dead.length ? `; entries that never match are dropped: ${listed(r.dead, 3)}` : ''}`);
    notes.push(`From ${r.path}.`);
  }
  if (reads.some((r) => r.openRelay)) notes.push(`WARNING: every client may relay now (${reads.find((r) => r.openRelay)!.openRelay}): an open relay, kept as 0.0.0.0/0 only so that day one changes nothing.`);
  return { keep: true, value: networks, note: notes.join(' ') };
}

/** Names in a list file as qmail's control_readfile and sendmail's class files read them. */
function listFile(text: string, words: boolean): string[] {
  const out: string[] = [];
  for (const raw of text.split('\n')) {
    const line = trimEndOf(raw, BLANKS);
    if (line === '' || line.startsWith('#')) continue;
    // One by one: a spread of a line of a few hundred thousand names overflows the stack.
    if (words) {
      for (const w of line.split(/\s+/)) if (w) out.push(w);
    } else out.push(line);
  }
  return out;
}

/** relay.domains: qmail's rcpthosts and sendmail's relay-domains, when they name the same domains. */
function deriveDomains(tree: HostTree, layout: Layout, mta: readonly string[], render: Render, explain: (path: string, text: string) => void): Kept<string[]> {
  const rcpthosts = `${qmailPaths(layout).control}/rcpthosts`;
  const relayDomains = `${layout.mailDir}/relay-domains`;
  const q = mta.includes('qmail') ? tree.read(rcpthosts) : undefined;
  const s = mta.includes('sendmail') ? tree.read(relayDomains) : undefined;
  if (mta.includes('qmail') && q === undefined) return { keep: false, reason: `WARNING: there is no ${rcpthosts}, so qmail-smtpd accepts mail for every domain from every client (an open relay); list the domains this host receives for.`, suggest: '[example.com]' };
  if (q === undefined && s === undefined) return { keep: false, reason: `sendmail has no ${relayDomains}: it relays for no domain by name.` };
  const qNames = q !== undefined ? listFile(q, false) : [];
  const sNames = s !== undefined ? listFile(s, true) : [];
  const candidate = [...new Set(q !== undefined ? qNames : sNames)];
  const bad = candidate.filter((d) => !DOMAIN.test(d) || d.length > 254);
  const suggest = candidate.length ? flow(candidate.filter((d) => !bad.includes(d))) : undefined;
  if (bad.length) return { keep: false, reason: `not every entry is a domain the policy can hold (${listed(bad, 4)}): apply would drop them.`, ...(suggest ? { suggest } : {}) };
  if (candidate.length === 0) return { keep: false, reason: `${q !== undefined ? rcpthosts : relayDomains} lists no domain; an empty list would still make apply rewrite it.` };
  if (mta.includes('qmail') && mta.includes('sendmail')) {
    const want = new Set(candidate.map((d) => d.replace(/^\./, '').toLowerCase()));
    if (s === undefined || !sameSet(want, new Set(sNames.map((d) => d.toLowerCase())))) return { keep: false, reason: `qmail's rcpthosts and sendmail's relay-domains name different domains, and the policy has one list for both (rcpthosts: ${listed(qNames, 6)}; relay-domains: ${listed(sNames, 6)}).`, ...(suggest ? { suggest } : {}) };
  }
  const from: string[] = [];
  if (q !== undefined) {
    from.push(rcpthosts);
    if (renderList('rcpthosts', candidate, render) !== q) explain(rcpthosts, 'rewritten one name per line, without comments or blank lines; the same domains');
  }
  if (s !== undefined) {
    from.push(relayDomains);
    if (renderList('relay-domains', candidate.map((d) => d.replace(/^\./, '')), render) !== s) explain(relayDomains, 'rewritten one name per line, without comments; the same domains');
  }
  const more = mta.includes('qmail') && tree.exists(`${qmailPaths(layout).control}/morercpthosts`) ? ` (${qmailPaths(layout).control}/morercpthosts is not managed: its domains stay)` : '';
  return { keep: true, value: candidate, note: `From ${from.join(' and ')}${more}.` };
}


/**
 * Networks kept, unless the .mc has FEATUREs that relay beyond them: apply, given networks, removes
 * those from the .mc (the policy decides who relays), which day one must not do.
 */
function withoutWeakRelay(networks: Kept<string[]>, sm: SendmailSide | undefined): Kept<string[]> {
  if (!networks.keep || !sm?.mc) return networks;
  const weak = sm.mc.calls.filter((c) => c.name === 'FEATURE' && WEAK_RELAY_FEATURES.includes(c.args[0]?.text ?? '')).map((c) => `FEATURE(\`${c.args[0]!.text}')`);
  if (weak.length === 0 || !sendmailEffect(sm, { dropWeakRelay: true }).mc) return networks;
  return { keep: false, reason: `sendmail.mc has ${listed(weak)}, which relays beyond the networks; apply would remove it from sendmail.mc (the policy's networks decide who relays). When nothing needs it:`, suggest: flow(networks.value) };
}

/** The relay key: its networks and its domains, each kept or left out on its own. */
export const relay: Deriver<{ networks: Kept<string[]>; domains: Kept<string[]> }> = {
  key: 'relay',
  derive: (c) => ({
    keep: true,
    value: { networks: withoutWeakRelay(deriveNetworks(c.tree, c.layout, c.mta, c.sm, c.render, c.explain), c.sm), domains: deriveDomains(c.tree, c.layout, c.mta, c.render, c.explain) },
  }),
  set(p, { networks, domains }) {
    if (networks.keep || domains.keep) p.relay = { ...(networks.keep ? { networks: networks.value } : {}), ...(domains.keep ? { domains: domains.value } : {}) };
  },
  write(y, { value: { networks, domains } }) {
    if (!networks.keep && !domains.keep) {
      y.comment(`relay: nothing kept. networks: ${networks.reason}`);
      y.comment(`domains: ${domains.reason}`);
      if (networks.suggest || domains.suggest) {
        y.lines.push('# relay:');
        if (networks.suggest) y.lines.push(`#   networks: ${visibleControls(jsonVisible(networks.suggest))}`);
        if (domains.suggest) y.lines.push(`#   domains: ${visibleControls(jsonVisible(domains.suggest))}`);
      }
      return;
    }
    y.key('relay', '');
    if (networks.keep) {
      if (networks.note) y.comment(networks.note, 2);
      y.key('networks', flow(networks.value), 2);
    } else y.off('networks', networks.suggest, networks.reason, 2);
    if (domains.keep) {
      if (domains.note) y.comment(domains.note, 2);
      y.key('domains', flow(domains.value), 2);
    } else y.off('domains', domains.suggest, domains.reason, 2);
  },
};
