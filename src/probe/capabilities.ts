import type { Exchange, ProbeDocument, ReplyLine } from './transcript.js';

/** What a POP3 CAPA or IMAP CAPABILITY reply offers: its words (upper case) and the line they are on. */
export interface Capabilities {
  words: Set<string>;
  /** The reply line holding them (IMAP) or the CAPA reply's first line (POP3). */
  line: ReplyLine;
  /** POP3: each capability line (`SASL PLAIN LOGIN`), for spans. */
  lines: ReplyLine[];
  exchange: Exchange;
}

/**
 * The capabilities a POP3 or IMAP server listed before TLS (`inTls` false: the first CAPA or CAPABILITY
 * in clear) or inside the main TLS session; undefined when it was not asked or did not answer. On a
 * pop3s:// or imaps:// probe everything is inside TLS, and nothing is "before".
 */
export function capabilitiesOf(doc: ProbeDocument, inTls: boolean): Capabilities | undefined {
  const verb = doc.protocol === 'pop3' ? 'CAPA' : 'CAPABILITY';
  const e = inTls ? doc.findTls(verb) : doc.exchanges.find((x) => x.verb === verb && !x.tls);
  const reply = e?.reply?.lines ?? [];
  if (!e || reply.length === 0) return undefined;
  if (doc.protocol === 'pop3') {
    if (!/^\+OK/i.test(reply[0]!.text)) return undefined;
    const lines = reply.slice(1).filter((l) => l.text !== '.');
    const words = new Set<string>();
    for (const l of lines) {
      const [name, ...params] = l.text.trim().toUpperCase().split(/\s+/);
      if (!name) continue;
      words.add(name);
      // `SASL PLAIN LOGIN` offers the mechanisms: kept as SASL=PLAIN, like IMAP's AUTH=PLAIN.
      for (const p of params) words.add(`${name}=${p}`);
    }
    return { words, line: reply[0]!, lines, exchange: e };
  }
  const line = reply.find((l) => /^\* CAPABILITY\s/i.test(l.text));
  if (!line) return undefined;
  return { words: new Set(line.text.slice(13).trim().toUpperCase().split(/\s+/)), line, lines: [line], exchange: e };
}

/** The greeting exchange of the first connection (the server's first words). */
export function greetingOf(doc: ProbeDocument): Exchange | undefined {
  return doc.find('');
}
