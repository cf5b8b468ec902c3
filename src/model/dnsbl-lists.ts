/**
 * DNS blocklists that no longer work, by the zone a configuration queries. A dead list either answers
 * nothing (it blocks no mail, and every connection waits for its timeouts) or, worse, answers every
 * query as listed, so that a server still asking it refuses all mail.
 *
 * Sources (checked December 2026; a list's state can change, as NJABL's did, so `state` is what it
 * did last): the operators' own shutdown notices where they still exist, and the reports cited per
 * entry. A zone is matched exactly or as a subdomain of `zone`.
 */
export type DeadState = 'lists-everything' | 'empty' | 'subscription';

export interface DeadList {
  /** The zone, or the domain all of whose zones are dead. */
  zone: string;
  state: DeadState;
  /** What happened, in a few words, with the year. */
  history: string;
}

export const DEAD_DNSBLS: readonly DeadList[] = [
  // ORDB's notice of 2006-12-18 ("DNS and the mailing lists will vanish today"); from 2008-03-25 relays.ordb.org answered every query as listed (reported by ExchangeDefender, iTWire, PC World, 2008).
  { zone: 'ordb.org', state: 'lists-everything', history: 'ORDB closed in December 2006; since March 2008 it answers every address as listed' },
  // ahbl.org "Changes to AHBL" (2014); from 2015-01-01 dnsbl.ahbl.org and rhsbl.ahbl.org answer every query as listed (Word to the Wise, 2015-01).
  { zone: 'ahbl.org', state: 'lists-everything', history: 'AHBL closed in 2014; since January 2015 it answers every address as listed' },
  // NJABL emptied its zones on 2013-03-01; the domain was taken by a squatter with a wildcard record in January 2024 (Wikipedia, "Not Just Another Bogus List").
  { zone: 'njabl.org', state: 'lists-everything', history: 'NJABL closed in March 2013; since 2024 its domain answers every query' },
  // Email Basura: domain expired and carries wildcard records (dnsbl.com, 2019-10-30).
  { zone: 'emailbasura.org', state: 'lists-everything', history: 'Email Basura ended in 2019; its expired domain answers every query' },
  // DSBL stopped in May 2008; its name servers went offline on 2009-03-09 (Vamsoft notice, 2009-03-10).
  { zone: 'dsbl.org', state: 'empty', history: 'DSBL closed in 2008; its name servers went offline in March 2009' },
  // Proofpoint: "SORBS was decommissioned on June 5, 2024, and the service no longer contains reputation data" (statement to The Register, June 2024).
  { zone: 'sorbs.net', state: 'empty', history: 'SORBS was decommissioned by Proofpoint in June 2024; its zones hold no data' },
  // MAPS RBL: blackholes.mail-abuse.org, the default zone of FEATURE(`dnsbl') up to sendmail 8.13.6 (dnsbl.m4 8.30; from 8.13.7 an argument is required). A paid subscription since 2001, later Trend Micro's; it answers only subscribers.
  { zone: 'mail-abuse.org', state: 'subscription', history: 'the MAPS lists are a paid subscription since 2001 (now Trend Micro)' },
];

/** The dead list a queried zone belongs to, if any (case-insensitive; a final dot is ignored). */
export function deadDnsbl(zone: string): DeadList | undefined {
  const z = zone.toLowerCase().replace(/\.+$/, '');
  return DEAD_DNSBLS.find((d) => z === d.zone || z.endsWith(`.${d.zone}`));
}
