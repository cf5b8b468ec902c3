import { changes, type Plan } from '../../apply/plan.js';
import { octal } from '../../host/mode.js';

/**
 * What apply would do with the derived policy on day one, one line each, from the plan itself (not a
 * guess); `why` gives the reason a file changes, by path. applyError: why apply would stop instead.
 */
export function dayOneOf(plan: () => Plan, why: ReadonlyMap<string, string>): { dayOne: string[]; applyError?: string; checked: number } {
  let p: Plan;
  try {
    p = plan();
  } catch (e) {
    return { dayOne: [], applyError: e instanceof Error ? e.message : String(e), checked: 0 };
  }
  const dayOne: string[] = [];
  for (const f of p.files.filter(changes)) dayOne.push(`${f.before === undefined ? 'create' : 'rewrite'} ${f.path}: ${why.get(f.path) ?? 'see apply --dry-run'}${f.immutable ? ' (it is immutable: apply needs --allow-chattr)' : ''}`);
  for (const f of p.files) {
    // An unchanged file whose database is older than it: apply rebuilds the database.
    const { stale, derived } = f as { stale?: boolean; derived?: string };
    if (stale && !changes(f)) dayOne.push(`rebuild ${derived ?? `the database of ${f.path}`}: it is older than ${f.path}`);
  }
  for (const a of p.actions) {
    if (a.type === 'remove') dayOne.push(`remove ${a.path} (${a.what}): ${why.get(a.path) ?? a.reason ?? 'not in smrsh.allow'}`);
    else if (a.type === 'link') dayOne.push(`link ${a.path} to ${a.target}${a.replaces ? ` (replaces ${a.replaces})` : ''}: ${why.get(a.path) ?? 'see apply --dry-run'}`);
    else if (a.type === 'chmod') dayOne.push(`chmod ${octal(a.mode)} ${a.path} (now ${octal(a.from)})`);
    else dayOne.push(`chattr ${a.immutable ? '+i' : '-i'} ${a.path}`);
  }
  return { dayOne, checked: p.files.length };
}
