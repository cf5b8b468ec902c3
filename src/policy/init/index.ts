import { dontBlameSendmail, forwardPath, limits, receivedHeader, runAsUser, safeFileEnvironment, unsafeGroupWrites } from './option-keys.js';
import { buildPlan, layoutFor, tcpRulesPath } from '../../apply/plan.js';
import { policyLabel } from '../../apply/label.js';
import { UserError } from '../../core/errors.js';
import { EXIT } from '../../core/exit.js';
import { SourceFile } from '../../core/source.js';
import { detectProfile, LAYOUTS, qmailPaths, type Profile } from '../../host/layout.js';
import { HostTree, lsattrAttributes, type AttributeReader } from '../../host/tree.js';
import { parseAs } from '../../parsers/documents.js';
import type { Render } from '../../render/templates.js';
import type { Policy } from '../schema.js';
import { aliases } from './aliases.js';
import { ABSOLUTE_PATH, crossesLink, step, type DeriveContext, type SendmailSide, type Step } from './context.js';
import { dayOneOf } from './day-one.js';
import { help } from './help.js';
import { hostname, immutable, profileEvidence, queue } from './host-keys.js';
import { relay } from './relay.js';
import { abuse, milters } from './abuse-keys.js';
import { greeting, listen, logLevel, privacy } from './sendmail-keys.js';
import { auth, tls } from './tls-keys.js';
import { smrsh } from './smrsh.js';
import { SCHEMA_LINE } from './starter.js';
import { flat, flow, scalar, YamlText } from './text.js';

export { SCHEMA_LINE, starterPolicy } from './starter.js';

export interface DeriveOptions {
  /** The directory that stands for `/` (absolute, existing). */
  root: string;
  /** The system's layout; detected from the tree when absent. */
  profile?: Profile;
  /** How file attributes are read (lsattr by default; tests pass a fake). */
  attributes?: AttributeReader;
  /** The templates apply renders with (to tell which keys it would keep as they are). */
  render: Render;
  /** The policy's name as apply will be given it (apply writes it into the blocks it owns). */
  policyName?: string;
}

export interface Derived {
  policy: Policy;
  /** The policy as commented YAML. */
  text: string;
  /** What `mailharden apply` would do with the policy on day one, one line each; [] when nothing. */
  dayOne: string[];
  /** Set when apply would stop on this tree (it does not write through symlinks, for example). */
  applyError?: string;
}

/** The keys after profile, paths and mta, in the order they are derived and written. */
const STEPS: Step[] = [step(hostname), step(relay), step(privacy), step(smrsh), step(aliases), step(greeting), step(help), step(logLevel), step(listen), step(queue), step(immutable), step(auth), step(tls), step(forwardPath), step(dontBlameSendmail), step(unsafeGroupWrites), step(receivedHeader), step(limits), step(abuse), step(milters), step(runAsUser), step(safeFileEnvironment)];

/** The paths of the profile that cross a link (apply does not write through one), as their real paths. */
function linkedPaths(tree: HostTree, profile: Profile): { paths: NonNullable<Policy['paths']>; notes: string[] } {
  const base = LAYOUTS[profile];
  const paths: NonNullable<Policy['paths']> = {};
  const notes: string[] = [];
  for (const key of ['mailDir', 'aliases', 'smrshDir', 'mqueue', 'qmailDir'] as const) {
    const p = base[key];
    if (!crossesLink(tree, p)) continue;
    const real = tree.resolve(p);
    if (real && real !== p && ABSOLUTE_PATH.test(real)) {
      paths[key] = real;
      notes.push(`${p} leads to ${real}`);
    }
  }
  // The tcp.smtp apply would use (the first of the profile's places that is a file), given as the real path.
  const p = tcpRulesPath(base, tree);
  const real = crossesLink(tree, p) ? tree.resolve(p) : undefined;
  if (real && real !== p && ABSOLUTE_PATH.test(real)) {
    paths.tcpRules = real;
    notes.push(`tcp.smtp leads to ${real}`);
  }
  return { paths, notes };
}

/**
 * Derives a policy from the files under a root, so that `mailharden apply` with it keeps the system as
 * it is: each key states what is in force, and a key that apply could not keep without changing a file
 * (or the behaviour) is written commented out with the reason. Changes apply makes anyway are listed
 * in the header; they are changes of form only (several PrivacyOptions lines merged, relay entries
 * moved into mailharden's block, a list file rewritten one name per line), or the removal of a program
 * the policy cannot allow (a shell in the smrsh directory).
 */
export function derivePolicy(opts: DeriveOptions): Derived {
  const tree = new HostTree(opts.root, opts.attributes ?? lsattrAttributes);
  const policyName = opts.policyName ?? 'policy.yaml';
  // How apply names the policy in the blocks it writes (so a block it wrote reads as unchanged).
  const label = policyLabel(policyName);
  const policy: Policy = { version: 1 };
  /** Why a file changes on day one, by path (for the header). */
  const why = new Map<string, string>();

  const profile = opts.profile ?? detectProfile(tree);
  const linked = linkedPaths(tree, profile);
  policy.profile = profile;
  if (Object.keys(linked.paths).length) policy.paths = linked.paths;
  const layout = layoutFor(policy, tree);
  const control = qmailPaths(layout).control;

  const cfPath = `${layout.mailDir}/sendmail.cf`;
  const cfText = tree.read(cfPath);
  const hasQmail = tree.stat(control)?.type === 'dir';
  if (cfText === undefined && !hasQmail) {
    throw new UserError(`${opts.root}: found neither ${cfPath} nor the qmail control directory ${control}: no sendmail or qmail configuration to derive a policy from (mailharden init without --from-system writes a starter policy)`, EXIT.usage);
  }
  const mta: ('sendmail' | 'qmail')[] = [];
  if (cfText !== undefined) mta.push('sendmail');
  if (hasQmail) mta.push('qmail');
  policy.mta = mta;
  let sm: SendmailSide | undefined;
  if (cfText !== undefined) {
    const mcPath = `${layout.mailDir}/sendmail.mc`;
    const mcText = tree.read(mcPath);
    const cf = parseAs('sendmail-cf', new SourceFile(cfPath, cfText));
    sm = { cfPath, cfText, cf, model: cf.sendmail, mcPath, layout, ...(mcText !== undefined ? { mcText, mc: parseAs('sendmail-mc', new SourceFile(mcPath, mcText)) } : {}) };
  }

  const c: DeriveContext = {
    tree, layout, control, mta, render: opts.render, label, policy,
    ...(sm ? { sm } : {}),
    explain: (path, text) => why.set(path, why.has(path) ? `${why.get(path)}; ${text}` : text),
  };
  const y = new YamlText();
  // Without sendmail.cf, one comment names the sendmail settings left out.
  let saidSendmailOnly = false;
  const sendmailOnly = (): void => {
    if (!saidSendmailOnly) y.comment(`privacy, smrsh, aliases, greeting, help, logLevel, listen, auth, tls, forwardPath, dontBlameSendmail, unsafeGroupWrites, receivedHeader, limits, abuse, milters, runAsUser, safeFileEnvironment: sendmail settings, and there is no ${cfPath}.`);
    saidSendmailOnly = true;
  };
  const writers = STEPS.map((s) => (s.sendmailOnly && !sm ? sendmailOnly : s.run(c)));

  // What apply would do with it, for the header: the plan itself, not a guess.
  const { dayOne, applyError, checked } = dayOneOf(() => buildPlan(policy, { root: opts.root, render: opts.render, policyName: label, ...(opts.attributes ? { attributes: opts.attributes } : {}) }), why);

  y.lines.push(SCHEMA_LINE);
  y.comment(`mailharden policy derived from the files under ${opts.root} (mailharden init --from-system). It states what is in force now, so that \`mailharden apply\` keeps the system as it is; a key that apply could not keep is commented out, with the reason. Harden from here one key at a time, previewing each step with \`mailharden apply ${policyName} --dry-run\`.`);
  if (applyError) y.comment(`Day one: apply would stop on this tree: ${flat(applyError, 300)}`);
  else if (dayOne.length === 0) y.comment(`Day one: apply with this policy changes nothing (${checked} file${checked === 1 ? '' : 's'} checked).`);
  else {
    y.comment('Day one: apply with this policy would (the same behaviour, except where said):');
    for (const d of dayOne) y.comment(`- ${d}`);
  }
  y.key('version', '1');
  y.key('profile', profile, 0, opts.profile ? 'given with --profile' : profileEvidence(tree, profile));
  if (policy.paths) {
    y.comment(`apply does not write through links: ${linked.notes.join('; ')}.`);
    y.key('paths', '');
    for (const [k, v] of Object.entries(policy.paths)) y.key(k, scalar(v), 2);
  }
  y.key('mta', flow(mta), 0, [cfText !== undefined ? cfPath : '', hasQmail ? `${control}/` : ''].filter(Boolean).join(', '));
  for (const write of writers) write(y);
  return { policy, text: `${y.lines.join('\n')}\n`, dayOne, ...(applyError !== undefined ? { applyError } : {}) };
}
