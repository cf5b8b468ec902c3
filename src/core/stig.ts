/**
 * The DISA STIG items mailharden's rules name (`DISA-STIG:GEN004660`), with the ids a STIG checklist
 * is filled by: the vulnerability (group) id, the rule id and the CCIs, and the NIST SP 800-53
 * controls of those CCIs.
 *
 * Sources, both DISA's own publications: the Red Hat Enterprise Linux 5 STIG, Version 1 Release 18
 * (U_RedHat_5_STIG_V1R18_Manual-xccdf.xml, benchmark date 28 Apr 2017; each GEN item is the
 * `version` of a Rule, whose Group id is the V- id, whose id is the SV- rule id, and whose `ident`s
 * with system http://iase.disa.mil/cci are its CCIs), and the CCI list of 2016-06-27 (U_CCI_List.xml;
 * each CCI's NIST SP 800-53 Revision 4 index, or Revision 3 where the CCI has no Revision 4 one).
 * The V- ids of the GEN items are the UNIX STIG's, the same in the other platform STIGs of that
 * generation (AIX 6.1, HP-UX 11.31, SuSE 11 use V-4692 for GEN004660); the SV- rule ids are the RHEL 5
 * STIG's own. Newer STIGs renumbered some items (Solaris 10's GEN004710 is V-226944, legacy V-23952).
 */
export interface StigItem {
  vuln: string;
  rule: string;
  cci: readonly string[];
}

export const STIG_ITEMS: Readonly<Record<string, StigItem>> = {
  GEN004360: { vuln: 'V-831', rule: 'SV-37472r2_rule', cci: ['CCI-000225'] },
  GEN004370: { vuln: 'V-22438', rule: 'SV-37473r2_rule', cci: ['CCI-000225'] },
  GEN004380: { vuln: 'V-832', rule: 'SV-37475r3_rule', cci: ['CCI-000225'] },
  GEN004400: { vuln: 'V-833', rule: 'SV-37491r1_rule', cci: ['CCI-000225'] },
  GEN004410: { vuln: 'V-22440', rule: 'SV-37493r1_rule', cci: ['CCI-000225'] },
  GEN004420: { vuln: 'V-834', rule: 'SV-37494r2_rule', cci: ['CCI-000225'] },
  GEN004440: { vuln: 'V-835', rule: 'SV-37497r2_rule', cci: ['CCI-000366'] },
  GEN004540: { vuln: 'V-12006', rule: 'SV-37504r4_rule', cci: ['CCI-000366'] },
  GEN004560: { vuln: 'V-4384', rule: 'SV-37505r2_rule', cci: ['CCI-000366'] },
  GEN004580: { vuln: 'V-4385', rule: 'SV-37506r3_rule', cci: ['CCI-000366'] },
  GEN004600: { vuln: 'V-4689', rule: 'SV-37507r2_rule', cci: ['CCI-001230'] },
  GEN004620: { vuln: 'V-4690', rule: 'SV-37508r1_rule', cci: ['CCI-000366'] },
  GEN004640: { vuln: 'V-4691', rule: 'SV-37509r1_rule', cci: ['CCI-001230'] },
  GEN004660: { vuln: 'V-4692', rule: 'SV-37510r1_rule', cci: ['CCI-000366'] },
  GEN004680: { vuln: 'V-4693', rule: 'SV-37511r1_rule', cci: ['CCI-000366'] },
  GEN004700: { vuln: 'V-4694', rule: 'SV-37513r1_rule', cci: ['CCI-000366'] },
  GEN004710: { vuln: 'V-23952', rule: 'SV-37514r2_rule', cci: ['CCI-001305'] },
};

/** NIST SP 800-53 controls of the CCIs above (Revision 4; CCI-001305 has only a Revision 3 index). */
export const CCI_NIST: Readonly<Record<string, string>> = {
  'CCI-000225': 'NIST-800-53r4:AC-6',
  'CCI-000366': 'NIST-800-53r4:CM-6 b',
  'CCI-001230': 'NIST-800-53r4:SI-2 d',
  'CCI-001305': 'NIST-800-53r3:SI-8 a',
};

/**
 * A rule's references with what each STIG item it names adds, after it: `DISA-STIG-V:V-4692`,
 * `DISA-STIG-SV:SV-37510r1_rule`, `CCI:CCI-000366`, `NIST-800-53r4:CM-6 b` (each once).
 */
export function withStigIds(refs: readonly string[]): string[] {
  const out: string[] = [];
  const add = (r: string): void => {
    if (!out.includes(r)) out.push(r);
  };
  for (const r of refs) {
    add(r);
    const item = r.startsWith('DISA-STIG:') ? STIG_ITEMS[r.slice('DISA-STIG:'.length)] : undefined;
    if (!item) continue;
    add(`DISA-STIG-V:${item.vuln}`);
    add(`DISA-STIG-SV:${item.rule}`);
    for (const c of item.cci) add(`CCI:${c}`);
    for (const c of item.cci) if (CCI_NIST[c]) add(CCI_NIST[c]);
  }
  return out;
}
