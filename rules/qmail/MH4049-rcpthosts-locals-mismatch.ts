import { defineRule } from '../../src/core/rule.js';
import type { HostDocument } from '../../src/host/document.js';
import { controlFile } from '../../src/host/qmail-paths.js';
import type { ControlLine, QmailControlDocument } from '../../src/parsers/qmail-control.js';

/** A domain as qmail compares it (lower case); undefined for lines other rules read as misreads (blanks, CR, `*`, `@`). */
function domainOf(text: string): string | undefined {
  const d = text.toLowerCase();
  return /^\.?[a-z0-9_-]+(\.[a-z0-9_-]+)*$/.test(d) ? d : undefined;
}

/**
 * Whether a table of domain keys takes a domain the way qmail-smtpd's addrallowed and qmail-send's
 * virtualdomains lookup do: the domain itself, then each `.suffix` of it, then (virtualdomains
 * only) the empty key of a catch-all `:user` line. A `.suffix` key asks whether the table takes
 * every domain under it.
 */
function takes(keys: ReadonlySet<string>, domain: string, catchAll: boolean): boolean {
  if (catchAll) return true;
  if (keys.has(domain)) return true;
  const start = domain.startsWith('.') ? 1 : 0;
  for (let i = domain.indexOf('.', start); i >= 0; i = domain.indexOf('.', i + 1)) if (keys.has(domain.slice(i))) return true;
  return false;
}

function control(host: HostDocument, name: string): QmailControlDocument | undefined {
  return host.fileOf('qmail-control', controlFile(host, name));
}

/** The domain keys of a list file with their lines; for virtualdomains the part before the colon (user@domain keys skipped). */
function keysOf(doc: QmailControlDocument | undefined, virtual: boolean): { keys: Set<string>; lines: { domain: string; line: ControlLine }[]; catchAll: boolean } {
  const keys = new Set<string>();
  const lines: { domain: string; line: ControlLine }[] = [];
  let catchAll = false;
  for (const line of doc?.entries ?? []) {
    let text = line.text;
    if (virtual) {
      const colon = text.indexOf(':');
      if (colon < 0) continue;
      text = text.slice(0, colon);
      if (text === '') {
        catchAll = true;
        continue;
      }
      if (text.includes('@')) continue;
    }
    const domain = domainOf(text);
    if (domain === undefined) continue;
    keys.add(domain);
    lines.push({ domain, line });
  }
  return { keys, lines, catchAll };
}

export default defineRule({
  meta: {
    id: 'MH4049',
    slug: 'rcpthosts-locals-mismatch',
    kinds: ['host'],
    description: 'Every domain in rcpthosts should be delivered here (control/locals or control/virtualdomains) or forwarded (smtproutes), and every local or virtual domain accepted: otherwise mail is accepted and then bounced to forged senders, or refused.',
    severity: 'medium',
    tags: ['qmail', 'host', 'relay'],
    references: ['qmail-smtpd.8:rcpthosts', 'qmail-send.8:virtualdomains', 'LWQ:rcpthosts'],
    messages: {
      undelivered: 'rcpthosts accepts {domain}, but no line of locals, virtualdomains or smtproutes delivers it: qmail-smtpd takes the mail and qmail-send bounces it ("Although I\'m listed as a best-preference MX …"), to senders who are often forged (backscatter), unless this host is only a backup MX that forwards it',
      unaccepted: '{file} delivers {domain} here, but rcpthosts does not accept it: mail for it from other hosts is refused ("553 sorry, that domain isn\'t in my list of allowed rcpthosts")',
    },
    fix: 'make rcpthosts (with morercpthosts) list exactly the domains of locals and virtualdomains, plus those a backup MX forwards',
  },
  check(host, ctx) {
    const rcpthosts = control(host, 'rcpthosts');
    if (!rcpthosts || rcpthosts.entries.length === 0) return;
    const accepted = keysOf(rcpthosts, false);
    const more = keysOf(control(host, 'morercpthosts'), false);
    for (const k of more.keys) accepted.keys.add(k);
    // qmail-send: without control/locals, the name in control/me is the one local domain.
    const localsName = control(host, 'locals') ? 'locals' : 'me';
    const locals = keysOf(control(host, localsName), false);
    const virtual = keysOf(control(host, 'virtualdomains'), true);
    const routes = keysOf(control(host, 'smtproutes'), true);
    const delivered = new Set([...locals.keys, ...virtual.keys]);

    const inRcpthosts = new Set(accepted.lines.map((l) => l.line));
    for (const { domain, line } of [...accepted.lines, ...more.lines]) {
      // A `.suffix` line accepts names under it: locals has no wildcard, so only virtualdomains or smtproutes covers it.
      const byLocals = !domain.startsWith('.') && locals.keys.has(domain);
      if (byLocals || takes(virtual.keys, domain, virtual.catchAll) || takes(routes.keys, domain, routes.catchAll)) continue;
      const path = controlFile(host, inRcpthosts.has(line) ? 'rcpthosts' : 'morercpthosts');
      ctx.report({ messageId: 'undelivered', data: { domain }, path, span: line.span });
    }
    for (const [name, table] of [[localsName, locals], ['virtualdomains', virtual]] as const) {
      for (const { domain, line } of table.lines) {
        if (domain === 'localhost' || domain.startsWith('localhost.') || /^[0-9.]+$/.test(domain)) continue;
        if (takes(accepted.keys, domain, false) || !delivered.has(domain)) continue;
        ctx.report({ messageId: 'unaccepted', data: { domain, file: name === 'me' ? 'me (what qmail-send takes as locals, which does not exist)' : name }, path: controlFile(host, name), span: line.span, severity: 'low' });
      }
    }
  },
});
