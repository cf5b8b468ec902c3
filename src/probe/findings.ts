import { lintProbe } from '../core/engine.js';
import type { AnyRule } from '../core/rule.js';
import type { Finding } from '../core/types.js';
import { lintOptions } from '../lint/text.js';
import type { ProbeDocument } from './transcript.js';

/** The probe rules among `rules`. */
export const probeRulesOf = (rules: readonly AnyRule[]): AnyRule[] => rules.filter((r) => r.meta.kinds.includes('probe'));

/** Runs the probe rules (all, or the ids in `only`) over a transcript, with their default severities. */
export function probeFindings(doc: ProbeDocument, rules: readonly AnyRule[], only?: readonly string[]): Finding[] {
  const probeRules = probeRulesOf(rules);
  return lintProbe(doc, lintOptions(probeRules, { ...(only ? { enabled: new Set(only) } : {}), inlineSuppressions: false }));
}
