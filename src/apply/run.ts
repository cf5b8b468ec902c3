import { randomBytes } from 'node:crypto';
import { fchmodSync, mkdirSync, readdirSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { posix } from 'node:path';
import { UserError } from '../core/errors.js';
import { EXIT, type ExitCode } from '../core/exit.js';
import { lintText } from '../lint/text.js';
import type { AnyRule } from '../core/rule.js';
import { SEVERITIES, type Finding, type Severity } from '../core/types.js';
import { octal } from '../host/mode.js';
import type { Policy } from '../policy/schema.js';
import type { Render } from '../render/templates.js';
import { Dirs, type Dir } from './dirs.js';
import { buildPlan, changes, encodeText, MAX_READ, type Command, type FilePlan, type Plan, type PlanOptions } from './plan.js';
import { validateCandidate, which } from './validate.js';
import { findingKey } from '../core/report.js';
import { makeCdb, morercpthostsKeys, cdbHas } from '../model/cdb.js';
import { qmailChecks } from './verify-qmail.js';
import { judgeQmailCandidate } from './qmail-candidate.js';
import { qmailPaths, readAccounts } from '../host/layout.js';
import { HostTree } from '../host/tree.js';
import { atomicLink, atomicWrite, chattr, CLEARED_PATTERN, faultPoint, installCopy, lstatOrUndefined, markCleared, readBytes, removeEntry, TEMP_PATTERN, writeTemp } from './write.js';
import { othersMayChange, Workdir } from './workdir.js';
import { loadExternal } from '../core/external.js';
import { withoutPasswords } from '../core/secrets.js';
import { fileBytes, hasUnsafeChars, shellWord, visibleControls } from '../core/visible.js';
import { writeOutputFile } from '../write-file.js';
import { policyLabel } from './label.js';
import { realRunner, verifyApplied, type Check, type Runner } from './verify.js';
import { pidFileOf, realProcesses, reloadDaemon, runningDaemon, type Processes } from './daemon.js';
import { SourceFile } from '../core/source.js';
import { parseAs } from '../parsers/documents.js';
import { acceptValue } from './accept.js';
import { startRun, type RunRecord } from './manifest.js';
import { makeDir, ownerLine, ownerScriptLine, setOwnership } from './owners.js';

export interface ApplyOptions {
  root: string;
  dryRun: boolean;
  /** A real run prints the unified diffs too (a dry run always does). */
  diff?: boolean;
  exitCode: boolean;
  /** The directory of run directories (default ROOT/var/backups/mailharden). */
  backupDir?: string;
  backup: boolean;
  /** Keep this many run directories (the newest), deleting older ones; default all. */
  keep?: number;
  validate: boolean;
  allowChattr: boolean;
  postCommands: boolean;
  filesOnly: boolean;
  /** Write the plan's commands as a shell script here. */
  script?: string;
  policyName: string;
  rules: readonly AnyRule[];
  render: Render;
  attributes?: PlanOptions['attributes'];
  out: (s: string) => void;
  err: (s: string) => void;
  /** Runs the real programs that verify the result (tests pass a fake). */
  runner?: Runner;
  /** Send the running sendmail daemon SIGHUP when its cf changed (root `/` only). */
  reload?: boolean;
  /** The host's processes, for --reload (tests pass a fake). */
  processes?: Processes;
  now?: Date;
  /** Told what the run plans and does, for a machine-readable report (src/apply/json.ts). */
  observe?: (event: ApplyEvent) => void;
}

/** What a run tells `observe`: the plan once the linter passed it, the run's backup directory, and the host actions that ran. */
export type ApplyEvent =
  | { type: 'plan'; plan: Plan; changed: FilePlan[]; postCommands: boolean; lines: string[] }
  | { type: 'backup'; shown: string }
  | { type: 'ran'; tally: Readonly<Record<string, number>> };

/** Findings at or above this severity that a candidate has and the current file had not stop the plan. */
const BLOCKING: Severity = 'medium';
const atLeast = (s: Severity, min: Severity): boolean => SEVERITIES.indexOf(s) <= SEVERITIES.indexOf(min);

/**
 * A word of a command line people read (the plan, notes): bare, single-quoted, or `$'…'` with escapes
 * when it holds a control or bidi character, so each printed command is one line and exactly what runs.
 */
export function shq(s: string): string {
  return shellWord(s);
}

/** Always single-quoted: the script quotes every path, whatever it holds. */
export function sq(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

export function commandLine(c: Command, quote: (s: string) => string = shq): string {
  return `${c.argv.map(quote).join(' ')}${c.stdin ? ` < ${quote(c.stdin)}` : ''}`;
}

/** What makes a candidate's finding the same as one the current file has: the rule, and the subject or the message's key. */
export function gateKey(f: Pick<Finding, 'ruleId' | 'message' | 'subject'>): string {
  return f.subject !== undefined ? `${f.ruleId}\u0000subject\u0000${f.subject}` : `${f.ruleId}\u0000${findingKey(f)}`;
}

/** What linting a candidate found that the current file does not have, and how many findings remain anyway. */
export function introducedFindings(file: FilePlan, rules: readonly AnyRule[], localOnly: boolean): { introduced: Finding[]; remaining: number } {
  if (!file.kind) return { introduced: [], remaining: 0 };
  const settings = { localOnly };
  // Compared by what a finding is about, not where it is or how it is worded: its rule and subject
  // (CRLF line endings stay one finding whether 3 entries hold a CR or 1), else its message without
  // numbers (findingKey, as the baseline compares), since an edit above shifts the lines a message
  // names. A finding the file already had is not new.
  const key = gateKey;
  const before = new Map<string, number>();
  // A suppressed finding is a decision already made (the policy's accept: entries are written into the
  // candidate as suppressions): only the others count, before and after.
  if (file.before !== undefined) for (const f of lintText(file.before, file.kind, rules, { path: file.path, settings })) if (!f.suppressed) before.set(key(f), (before.get(key(f)) ?? 0) + 1);
  const after = lintText(file.after, file.kind, rules, { path: file.path, settings }).filter((f) => !f.suppressed);
  const introduced: Finding[] = [];
  for (const f of after) {
    const n = before.get(key(f)) ?? 0;
    if (n > 0) before.set(key(f), n - 1);
    else introduced.push(f);
  }
  return { introduced, remaining: after.length };
}

export async function unifiedDiff(f: FilePlan): Promise<string> {
  const { createTwoFilesPatch } = await loadExternal<typeof import('diff')>('diff');
  const patch = createTwoFilesPatch(f.path, f.path, f.before ?? '', f.after, f.before === undefined ? '(absent)' : '(current)', '(planned)', { context: 3 });
  // From the --- / +++ headers on (the package starts with an "Index:" line and a rule).
  // The passwords of AuthInfo entries as * (core/secrets.ts), in the text diff as in the JSON report.
  const diff = patch.slice(patch.indexOf('--- '));
  return f.kind === 'access' ? withoutPasswords(diff) : diff;
}

export function actionLine(a: Plan['actions'][number]): string {
  switch (a.type) {
    case 'link':
      return `ln -sfn ${shq(a.target)} ${shq(a.path)}${a.replaces ? `    # replaces ${visibleControls(a.replaces)}` : ''}`;
    case 'remove':
      return `rm -f ${shq(a.path)}    # ${visibleControls(a.what)}, ${a.reason ?? 'not in smrsh.allow'}`;
    case 'chmod':
      return `chmod ${octal(a.mode)} ${shq(a.path)}    # now ${octal(a.from)}`;
    case 'chattr':
      return `chattr ${a.immutable ? '+i' : '-i'} ${shq(a.path)}`;
  }
}

/**
 * The script's line that removes an entry of the smrsh directory, whose name the host gave (any bytes
 * but / and NUL): `rm -f 'NAME'`, or, when the name holds a control or bidi character, the name built
 * by printf from octal escapes (POSIX sh has no $'…'), with a sentinel so that a trailing newline
 * survives the command substitution. One line that shows nothing raw, and exactly the bytes.
 */
export function removeLine(path: string): string {
  if (!hasUnsafeChars(path)) return `rm -f ${sq(path)}`;
  let format = '';
  for (const b of fileBytes(path)) {
    if (b < 0x20 || b >= 0x7f) format += `\\${b.toString(8).padStart(3, '0')}`;
    else if (b === 0x5c) format += '\\\\';
    else if (b === 0x25) format += '%%';
    else if (b === 0x27) format += `'\\''`;
    else format += String.fromCharCode(b);
  }
  return `entry=$(printf '${format}_'); rm -f "\${entry%_}"`;
}

/** The plan's commands as one shell script (templates/apply.sh.hbs), with the paths of the host itself. */
export function planScript(plan: Plan, render: Render): string {
  return render('apply.sh', {
    policy: plan.policyPath,
    smrshDir: sq(plan.layout.smrshDir),
    links: plan.actions.filter((a) => a.type === 'link').map((a) => ({ link: sq(a.path), target: sq(a.type === 'link' ? a.target : '') })),
    removals: plan.actions.filter((a) => a.type === 'remove').map((a) => removeLine(a.path)),
    modes: plan.actions.filter((a) => a.type === 'chmod').map((a) => ({ mode: octal(a.type === 'chmod' ? a.mode : 0), path: sq(a.path) })),
    owners: plan.owners.map((a) => ownerScriptLine(a, sq)),
    post: plan.files.filter((f) => changes(f) || f.stale).flatMap((f) => f.post).map((c) => commandLine(c, sq)),
    lock: plan.actions.filter((a) => a.type === 'chattr' && a.immutable).map((a) => sq(a.path)),
  });
}

/**
 * Cleans up after an earlier apply that was killed: removes its temp files (only names apply itself
 * makes, only regular files and links) and sets again the immutable bits it had cleared (a marker
 * beside the file says so), in the directories of this plan. Only what a process that is gone left:
 * its pid is in each name, so a run going on at the same time keeps its own (this run has made
 * nothing yet, so its own pid, reused in a container, counts as gone). A dry run only tells of the
 * bits. Returns the paths whose bit was set again.
 */
function sweepTemps(plan: Plan, dirs: Dirs, note: (line: string) => void, dryRun: boolean): string[] {
  const paths = new Set([...plan.files.map((f) => posix.dirname(f.path)), ...plan.actions.map((a) => posix.dirname(a.path))]);
  const gone = (pid: string): boolean => Number(pid) === process.pid || !isAlive(Number(pid));
  const markers: { dir: Dir; marker: string; target: string; pid: string }[] = [];
  for (const p of paths) {
    const d = dirs.dir(p);
    if (!d) continue;
    let names: string[];
    try {
      names = readdirSync(d.self);
    } catch {
      continue;
    }
    for (const n of names) {
      const temp = TEMP_PATTERN.exec(n);
      const cleared = temp ? undefined : CLEARED_PATTERN.exec(n);
      const pid = temp?.[1] ?? cleared?.[2];
      if (pid === undefined || !gone(pid)) continue;
      // Its own temp files and temp links (a link is removed, never followed); never a directory.
      const st = d.lstat(n);
      if (!st?.isFile() && !st?.isSymbolicLink()) continue;
      if (cleared) {
        // Only a marker apply could have made: its own file, where no other user can add one.
        if (st.isFile() && st.uid === (process.getuid?.() ?? 0) && !othersMayChange(d.stat())) markers.push({ dir: d, marker: n, target: cleared[1]!, pid });
        else note(`mailharden: note: ${d.treePath(n)} looks like apply's immutable-bit marker but was not made by it (another user can write ${d.path}): ignored`);
      }
      else if (!dryRun) removeEntry(d, n);
    }
  }
  // After the temp files, so that a bit that cannot be set stops the run with nothing else left over.
  const restored: string[] = [];
  for (const { dir, marker, target, pid } of markers) {
    const shown = dir.treePath(target);
    const isFile = dir.lstat(target)?.isFile() === true;
    if (dryRun) {
      if (isFile) note(`mailharden: note: apply process ${pid} cleared the immutable bit of ${shown} and was killed; a run without --dry-run sets it again first`);
      continue;
    }
    if (isFile) {
      try {
        chattr(dir, target, true, shown);
      } catch (e) {
        throw UserError.lines([(e as Error).message, `  apply process ${pid} cleared the immutable bit of ${shown} and was killed, and it cannot be set again: set it (chattr +i) and run apply again`], EXIT.runtime);
      }
      restored.push(shown);
      note(`mailharden: note: set the immutable bit of ${shown} again (apply process ${pid} cleared it and was killed)`);
    }
    removeEntry(dir, marker);
  }
  return restored;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * How to accept what the gate refused, as policy lines to copy: each rule and value, and a reason to
 * write. Only values the schema allows are offered (anything else would not load).
 */
function acceptHint(list: readonly { rule: string; value: string }[]): string[] {
  const ok = list.filter((a) => /^[^\s#'"`\\]{1,255}$/.test(a.value) && !hasUnsafeChars(a.value));
  if (ok.length === 0) return [];
  return [
    'to go ahead anyway, record the decision in the policy (apply then writes it into the file as a suppression with your reason, and lint shows the finding suppressed):',
    '  accept:',
    ...ok.flatMap((a) => [`    - rule: ${a.rule}`, `      value: ${a.value}`, '      reason: "why, who decided, when"']),
  ];
}

/** Host actions by kind: the plan's action types, owners and directories made, and the databases rebuilt by post-commands. */
type HostTally = Record<Plan['actions'][number]['type'] | Plan['owners'][number]['type'] | 'rebuild', number>;
const hostTally = (): HostTally => ({ link: 0, remove: 0, chmod: 0, own: 0, mkdir: 0, chattr: 0, rebuild: 0 });

/** `3 host actions (1 link, 2 chattr)`: the total, then each kind that is there. */
export function hostSummary(t: HostTally): string {
  const names: [keyof HostTally, string, string][] = [['link', 'link', 'links'], ['remove', 'removal', 'removals'], ['chmod', 'chmod', 'chmod'], ['mkdir', 'mkdir', 'mkdir'], ['own', 'owner', 'owners'], ['chattr', 'chattr', 'chattr'], ['rebuild', 'rebuild', 'rebuilds']];
  const total = names.reduce((n, [k]) => n + t[k], 0);
  const parts = names.filter(([k]) => t[k] > 0).map(([k, one, many]) => `${t[k]} ${t[k] === 1 ? one : many}`);
  return `${total} host action${total === 1 ? '' : 's'}${parts.length ? ` (${parts.join(', ')})` : ''}`;
}

/**
 * `mailharden apply`: plan, check the candidates with the linter, then either show the plan (dry run) or
 * validate with the real programs, back up, write atomically, run the post-commands and set attributes.
 * Returns the exit code (EXIT).
 */
export async function applyPolicy(policy: Policy, o: ApplyOptions): Promise<ExitCode> {
  // Every directory apply acts in is opened once, from the root down, and every step after planning
  // acts through those descriptors: a directory swapped for a link meanwhile changes nothing.
  const dirs = new Dirs(o.root);
  // The real programs build in a private directory of the run, made when first needed.
  let work: Workdir | undefined;
  // The run's directory and manifest (for rollback), made when the run starts writing.
  const run: { started?: ReturnType<typeof startRun> } = {};
  try {
    return await applyIn(dirs, () => (work ??= Workdir.make()), policy, o, run);
  } finally {
    run.started?.close();
    work?.close();
    dirs.close();
  }
}

async function applyIn(dirs: Dirs, workdir: () => Workdir, policy: Policy, o: ApplyOptions, run: { started?: ReturnType<typeof startRun> }): Promise<ExitCode> {
  const planned = (): Plan => buildPlan(policy, { root: o.root, dirs, render: o.render, policyName: policyLabel(o.policyName), filesOnly: o.filesOnly, ...(o.attributes ? { attributes: o.attributes } : {}) });
  let plan = planned();
  // A bit set again by the sweep changes what the plan found: plan once more.
  if (sweepTemps(plan, dirs, (line) => o.err(`${line}\n`), o.dryRun).length) plan = planned();
  const changed = plan.files.filter(changes);
  const shown = (p: string): string => (o.root === '/' ? p : `${o.root.replace(/\/$/, '')}${p}`);

  // 1. The generator never offers a file its own linter rejects.
  const blocked: string[] = [];
  const acceptable: { rule: string; value: string }[] = [];
  for (const f of changed) {
    const { introduced, remaining } = introducedFindings(f, o.rules, plan.localOnly);
    for (const x of introduced.filter((x) => atLeast(x.severity, BLOCKING))) {
      blocked.push(`${shown(f.path)} (planned):${x.line}:${x.column}: ${x.severity} ${x.ruleId}: ${x.message}`);
      const value = acceptValue(x);
      if (value !== undefined && o.rules.find((r) => r.meta.id === x.ruleId)?.meta.suppressible !== false && !acceptable.some((a) => a.rule === x.ruleId && a.value === value)) acceptable.push({ rule: x.ruleId, value });
    }
    if (remaining > 0) plan.notes.push(`${f.path}: lint still reports ${remaining} finding${remaining === 1 ? '' : 's'} the policy does not cover (mailharden lint ${shown(f.path)})`);
  }
  if (blocked.length) throw UserError.lines(["the policy would produce files that fail mailharden's own rules:", ...blocked, ...acceptHint(acceptable)], EXIT.usage);

  // 2. The plan: a dry run shows the diffs; a real run, which usually follows one, names each file
  // (the diffs again with --diff).
  if (o.dryRun || o.diff) for (const f of changed) o.out(await unifiedDiff({ ...f, path: shown(f.path) }));
  else if (changed.length) o.out(`Files${o.root === '/' ? '' : ` (paths inside ${o.root})`}, --diff shows the changes:\n${changed.map((f) => `  ${f.before === undefined ? 'create' : 'change'} ${shq(f.path)}`).join('\n')}\n`);
  const pendingActions = plan.actions;
  const commands = [
    ...changed.filter((f) => f.immutable).map((f) => `chattr -i ${shq(f.path)}    # immutable: cleared for the write, set again after`),
    ...pendingActions.filter((a) => a.type !== 'chattr').map(actionLine),
    ...plan.owners.map(ownerLine),
    ...(o.postCommands ? plan.files.filter((f) => changes(f) || f.stale).flatMap((f) => f.post.map((c) => `${commandLine(c)}    # ${c.why}${f.stale ? ` (${f.derived} is older than ${f.path})` : ''}`)) : []),
    ...changed.filter((f) => f.immutable).map((f) => `chattr +i ${shq(f.path)}`),
    ...pendingActions.filter((a) => a.type === 'chattr').map(actionLine),
  ];
  o.observe?.({ type: 'plan', plan, changed, postCommands: o.postCommands, lines: commands });
  if (commands.length) o.out(`Commands${o.dryRun ? ' that would run' : ''}${o.root === '/' ? '' : ` (paths inside ${o.root})`}:\n${commands.map((c) => `  ${c}`).join('\n')}\n`);
  for (const n of plan.notes) o.err(`mailharden: note: ${visibleControls(n)}\n`);
  const created = changed.filter((f) => f.before === undefined).length;
  const stale = o.postCommands ? plan.files.filter((f) => f.stale) : [];
  const hostCount = pendingActions.length + plan.owners.length + stale.length;
  const locked = changed.filter((f) => f.immutable);
  // What the host actions are, counted as they would run: a changed immutable file is two chattr
  // (cleared for the write, set again), a rebuild is one per post-command of a changed or stale file.
  const pending = hostTally();
  for (const a of pendingActions) pending[a.type]++;
  for (const a of plan.owners) pending[a.type]++;
  pending.chattr += 2 * locked.length;
  if (o.postCommands) pending.rebuild += plan.files.filter((f) => changes(f) || f.stale).reduce((n, f) => n + f.post.length, 0);
  const counts = (verbs: { create: string; change: string }, tally: HostTally): string => `${created} ${verbs.create}, ${changed.length - created} ${verbs.change}, ${plan.files.length - changed.length} unchanged; ${hostSummary(tally)}`;
  const summary = counts({ create: 'to create', change: 'to change' }, pending);
  if (o.script) {
    // Through a temp file and a rename: a link planted at the script's name is replaced, not followed.
    try {
      writeOutputFile(o.script, planScript(plan, o.render), 0o755);
    } catch (e) {
      if (e instanceof UserError) throw e;
      throw new UserError(`${o.script}: cannot write the script: ${(e as NodeJS.ErrnoException).code ?? String(e)}`, EXIT.runtime);
    }
  }
  if (changed.length === 0 && hostCount === 0) {
    o.out(`No changes: ${shown('/')} matches the policy (${plan.files.length} file${plan.files.length === 1 ? '' : 's'} checked).\n`);
    return EXIT.ok;
  }
  if (o.dryRun) {
    if (locked.length && !o.allowChattr) o.err(`mailharden: note: immutable (chattr +i): a real run needs --allow-chattr to change ${locked.map((f) => shq(shown(f.path))).join(', ')}\n`);
    o.out(`Plan: ${summary}.\n`);
    return o.exitCode ? EXIT.findings : EXIT.ok; // --exit-code: changes pending exit as findings do
  }

  // 3. Immutable targets.
  if (locked.length && !o.allowChattr) {
    o.err(`mailharden: immutable (chattr +i), nothing written; rerun with --allow-chattr to clear and restore the bit:\n${locked.map((f) => `  ${shown(f.path)}`).join('\n')}\n`);
    return EXIT.immutable;
  }

  // 4. The real programs judge the candidates.
  if (o.validate) {
    faultPoint('before-validate');
    const rejected: string[] = [];
    for (const f of changed.filter((x) => x.validator)) {
      const v = await validateCandidate(f, workdir());
      if (v.skipped) o.err(`mailharden: note: ${shown(f.path)} not validated: ${v.skipped}\n`);
      else if (!v.ok) rejected.push(`${shown(f.path)}: rejected by ${v.program}:\n${v.complaints.map((c) => `    ${c}`).join('\n')}`);
    }
    // qmail: the control directory as it would be, in front of the installed qmail-smtpd (on / only:
    // the program reads the control directory compiled into it).
    if (o.root === '/' && (policy.mta ?? ['sendmail']).includes('qmail')) {
      const judged = judgeQmailCandidate(plan, policy, dirs, workdir(), o.runner ?? realRunner, readAccounts(new HostTree('/')));
      if ('skipped' in judged) o.err(`mailharden: note: the planned qmail control files not judged by qmail-smtpd: ${visibleControls(judged.skipped)}\n`);
      else {
        const failed = judged.filter((c) => !c.ok);
        if (failed.length) rejected.push(`${qmailPaths(plan.layout).control}: qmail-smtpd does not answer as the policy says with the planned control files:\n${failed.map((c) => `    ${visibleControls(c.what)}: ${visibleControls(c.detail)}`).join('\n')}`);
      }
    }
    if (rejected.length) {
      o.err(`mailharden: nothing installed; the real programs rejected:\n${rejected.join('\n')}\n`);
      return EXIT.rejected;
    }
  }

  // 5. The run's directory: a copy of everything about to change (databases included: rollback puts
  // their bytes back) and the manifest of each step as it is done (manifest.ts). Without a backup
  // there is no way back, and no manifest.
  faultPoint('before-backup');
  const rebuilt = o.postCommands ? plan.files.filter((f) => (changes(f) || f.stale) && f.derived && f.post.length) : [];
  if (!o.backup) o.err('mailharden: note: no backup: rollback impossible (--no-backup)\n');
  if (o.backup) run.started = startRun(dirs, { root: o.root, policy: policyLabel(o.policyName), time: (o.now ?? new Date()).toISOString(), ...(o.backupDir !== undefined ? { backupDir: o.backupDir } : {}) });
  const record: RunRecord | undefined = run.started?.record;
  if (record) o.observe?.({ type: 'backup', shown: record.shown });
  if (record) {
    const keep = (path: string, immutable = false): void => {
      const d = dirs.dir(posix.dirname(path));
      if (d) record.keep(d, posix.basename(path), immutable);
    };
    for (const f of changed) if (f.before !== undefined) keep(f.path, f.immutable);
    for (const a of pendingActions) if (a.type === 'remove' || a.type === 'link') keep(a.path);
    for (const f of rebuilt) keep(f.derived!);
  }
  faultPoint('after-backup');

  // 6. Write each file, clearing and restoring immutable bits (restored right after the writes, also
  // when one fails or a signal arrives, before any slower step).
  const cleared: { f: FilePlan; dir: Dir; marker: string }[] = [];
  const restore = (): string[] => {
    const errors: string[] = [];
    for (const { f, dir, marker } of cleared.splice(0)) {
      try {
        chattr(dir, posix.basename(f.path), true, shown(f.path));
        removeEntry(dir, marker);
      } catch (e) {
        // The marker stays: the next run tries again.
        errors.push((e as Error).message);
      }
    }
    return errors;
  };
  const onSignal = (sig: NodeJS.Signals): void => {
    restore();
    process.exit(sig === 'SIGINT' ? EXIT.interrupted : EXIT.terminated);
  };
  process.on('SIGINT', onSignal).on('SIGTERM', onSignal).on('SIGHUP', onSignal);
  let failure: unknown;
  try {
    for (const f of changed) {
      const dir = dirs.need(posix.dirname(f.path), {});
      const name = posix.basename(f.path);
      if (f.immutable) {
        const marker = markCleared(dir, name);
        try {
          chattr(dir, name, false, shown(f.path));
        } catch (e) {
          // The bit was not cleared: nothing for a later run to set again.
          removeEntry(dir, marker);
          throw e;
        }
        cleared.push({ f, dir, marker });
        faultPoint(`after-clear:${f.path}`);
      }
      atomicWrite(dir, name, encodeText(f.after, f.encoding), f.mode, { uid: f.uid, gid: f.gid }, f.path);
      record?.entry('file', dir, name, { immutable: f.immutable, ...(f.immutable ? { cleared: true } : {}) });
    }
  } catch (e) {
    failure = e;
  } finally {
    const errors = restore();
    if (errors.length && !failure) failure = UserError.lines(errors, EXIT.runtime);
  }
  // The writes run without yielding to the event loop, so a signal that came during them is handled
  // here, between two steps: the handler stays on until apply ends (then the bits are restored).
  await new Promise((resolve) => setImmediate(resolve));
  process.off('SIGINT', onSignal).off('SIGTERM', onSignal).off('SIGHUP', onSignal);
  if (failure) throw failure instanceof UserError ? failure : new UserError(`apply failed, nothing half-written: ${(failure as Error).message}`, EXIT.runtime);
  faultPoint('after-writes');

  // 7. Host actions; 8. post-commands for the files that changed (or whose database is older than
  // they are: an earlier run stopped before rebuilding it); 9. attributes.
  // Each action on its own: one that fails (an entry turned into a directory meanwhile) is reported
  // with the others, and the steps after it (modes, databases, attributes) still run.
  const problems: string[] = [];
  // What ran, for the summary: the chattr of the writes above, then each action as it succeeds.
  const ran = hostTally();
  ran.chattr += 2 * locked.length;
  for (const a of pendingActions) {
    if (a.type === 'chattr') continue;
    try {
      if (a.type === 'chmod') {
        // The directory itself, through its own verified descriptor.
        fchmodSync(dirs.need(a.path).fd, a.mode);
        record?.add({ op: 'chmod', path: a.path, from: a.from, to: a.mode });
      } else {
        const dir = dirs.need(posix.dirname(a.path), {});
        if (a.type === 'link') atomicLink(dir, posix.basename(a.path), a.target);
        else removeEntry(dir, posix.basename(a.path));
        record?.entry('smrsh', dir, posix.basename(a.path));
      }
      ran[a.type]++;
    } catch (e) {
      problems.push(`${actionLine(a)}: ${e instanceof UserError ? e.message : ((e as NodeJS.ErrnoException).code ?? (e as Error).message)}`);
    }
  }
  // Owners and modes after the files are written (a control file written keeps the mode it had until
  // here) and before the databases are rebuilt (a rebuilt cdb takes the mode of the one it replaces).
  for (const a of plan.owners) {
    const to = { uid: a.uid, gid: a.gid, mode: a.mode };
    try {
      if (a.type === 'mkdir') {
        // Recorded as made one by one (the parents made on the way too): rollback removes them when empty.
        for (const m of makeDir(dirs, a.path, to)) record?.add({ op: 'owner', path: m.path, from: null, to: m.to, at: m.id });
      } else {
        // The entry planned (its identity) or nothing; `at` is what rollback may change back.
        const done = setOwnership(dirs, a.path, to, a.from, a.at);
        record?.add({ op: 'owner', path: a.path, from: a.from, to, at: done.id });
      }
      ran[a.type]++;
    } catch (e) {
      problems.push(`${ownerLine(a)}: ${e instanceof UserError ? e.message : ((e as NodeJS.ErrnoException).code ?? (e as Error).message)}`);
    }
  }
  faultPoint('before-post');
  if (o.postCommands) {
    for (const f of plan.files.filter((x) => changes(x) || x.stale)) {
      for (const c of f.post) {
        try {
          const note = runPost(c, f, dirs, workdir(), o.root === '/');
          if (note) o.err(note);
          else {
            ran.rebuild++;
            if (record && f.derived) record.entry('database', dirs.need(posix.dirname(f.derived)), posix.basename(f.derived));
          }
        } catch (e) {
          problems.push((e as Error).message);
        }
      }
    }
  }
  faultPoint('before-chattr');
  for (const a of pendingActions) {
    if (a.type !== 'chattr') continue;
    try {
      chattr(dirs.need(posix.dirname(a.path)), posix.basename(a.path), a.immutable, shown(a.path));
      ran.chattr++;
      record?.add({ op: 'chattr', path: a.path, from: !a.immutable, to: a.immutable });
    } catch (e) {
      problems.push((e as Error).message);
    }
  }
  if (problems.length) throw UserError.lines(['files written, but:', ...problems], EXIT.runtime);
  o.observe?.({ type: 'ran', tally: ran });
  const applied = `${counts({ create: 'created', change: 'changed' }, ran)}.${record ? ` Backup: ${record.shown}` : ''}`;
  record?.finish();
  // After the run is recorded: a run whose check fails can still be rolled back.
  const code = reportVerified(plan, policy, dirs, o, applied);
  if (o.keep !== undefined && run.started) {
    for (const id of run.started.prune(o.keep)) o.err(`mailharden: note: removed run ${id} (--keep ${o.keep})\n`);
  }
  return code;
}

/**
 * The last step of a real apply: the real programs are asked whether the policy is in force
 * (src/apply/verify.ts), and apply says "Applied and verified" only when every check passes. Another
 * root's configuration names the host's paths, so the running system cannot vouch for it; neither for
 * databases left unbuilt (--no-post-commands) or host actions left out (--files-only).
 */
function reportVerified(plan: Plan, policy: Policy, dirs: Dirs, o: ApplyOptions, applied: string): ExitCode {
  const why = o.root !== '/' ? `--root ${o.root}` : !o.postCommands ? '--no-post-commands: the databases were not rebuilt' : o.filesOnly ? '--files-only' : undefined;
  if (why) {
    o.err(`mailharden: note: not verified against the running system (${visibleControls(why)})\n`);
    o.out(`Applied: ${applied}\n`);
    return EXIT.ok;
  }
  const runner = o.runner ?? realRunner;
  const qmail = (policy.mta ?? ['sendmail']).includes('qmail') ? qmailChecks(plan, policy, runner, readAccounts(new HostTree(plan.root))) : [];
  const checks = [...daemonCheck(plan, o), ...serviceNote(plan, o), ...verifyApplied(plan, policy, { run: runner, dirs }), ...qmail];
  const failed = checks.filter((c) => !c.ok);
  if (!checks.length) {
    o.out(`Applied: ${applied}\n`);
    return EXIT.ok;
  }
  if (!failed.length) {
    o.out(`Applied and verified: ${applied}\n`);
    return EXIT.ok;
  }
  o.out(`Applied: ${applied}\n`);
  o.err(`mailharden: written, but the real programs do not answer as the policy says (${failed.length} of ${checks.length} check${checks.length === 1 ? '' : 's'} failed):\n${failed.map((c) => `  ${visibleControls(c.what)}: ${visibleControls(c.detail)}`).join('\n')}\n`);
  return EXIT.unverified;
}

/**
 * supervise (or runsv) reads a run script when it starts the service: a changed one is in force only
 * after a restart, which apply leaves to the admin (it would drop the sessions in progress).
 */
function serviceNote(plan: Plan, o: ApplyOptions): Check[] {
  for (const f of plan.files.filter((x) => x.artifact === 'qmail-smtpd run' && changes(x))) {
    const dir = posix.dirname(f.path);
    o.err(`mailharden: note: the qmail-smtpd service runs the old ${f.path} until it is restarted: svc -t ${dir} (daemontools) or sv restart ${dir} (runit)\n`);
  }
  return [];
}

/**
 * When the cf changed and a sendmail daemon runs (the pid file the new cf names), it still works with
 * the old configuration: with --reload it gets SIGHUP and must answer again (a check); without, a
 * note says how to restart it.
 */
function daemonCheck(plan: Plan, o: ApplyOptions): Check[] {
  const cf = plan.files.find((f) => f.artifact === 'sendmail.cf' && changes(f));
  if (!cf) return [];
  const pidFile = pidFileOf(parseAs('sendmail-cf', new SourceFile(cf.path, cf.after)).sendmail);
  const procs = o.processes ?? realProcesses;
  const daemon = pidFile ? runningDaemon(pidFile, procs) : undefined;
  if (!daemon) return [];
  if (!o.reload) {
    o.err(`mailharden: note: sendmail (pid ${daemon.pid}) runs with the old ${cf.path} until it is restarted: apply --reload, or kill -HUP ${daemon.pid}\n`);
    return [];
  }
  const r = reloadDaemon(daemon, procs);
  return [{ what: `the daemon (pid ${daemon.pid}) reloaded the configuration (SIGHUP)`, ok: r.ok, detail: r.detail }];
}

/**
 * Runs a post-command: the program builds in the run's private directory, from the file's exact
 * bytes (sendmail, makemap and tcprules open their files again by name and follow links, so never in
 * a directory a local user may write), and what it built is copied into the verified target directory
 * (keeping the mode and owner of the database it replaces). A missing program is a note, a failing
 * one an error.
 */
function runPost(c: Command, f: FilePlan, dirs: Dirs, work: Workdir, live: boolean): string {
  const program = c.builtin ? c.argv[0]! : which(c.argv[0]!);
  if (!program) return `mailharden: note: ${c.argv[0]} is not installed: run yourself: ${commandLine(c)}\n`;
  const source = dirs.need(posix.dirname(f.path));
  const bytes = changes(f) ? encodeText(f.after, f.encoding) : readBytes(source, posix.basename(f.path), MAX_READ, f.path);
  if (c.builtin === 'morercpthosts-cdb' && f.derived) {
    // qmail-newmrh's keys and bytes (umask 033: 0644), built in the private directory and copied in like the others.
    const keys = morercpthostsKeys(bytes);
    const db = makeCdb(keys.map((key) => ({ key, data: Buffer.alloc(0) })));
    if (keys.some((k) => !cdbHas(db, k))) throw new UserError(`${f.derived}: the cdb built does not hold every line of ${f.path}`, EXIT.runtime);
    const built = `${work.dir.self}/built-${randomBytes(4).toString('hex')}`;
    writeTemp(built, db, 0o644);
    const into = dirs.need(posix.dirname(f.derived));
    const old = into.lstat(posix.basename(f.derived));
    const replaced = old?.isFile() && old.nlink === 1 ? old : undefined;
    installCopy(built, into, posix.basename(f.derived), (replaced?.mode ?? 0o644) & 0o0777 & ~(0o077 & ~f.mode), { uid: replaced?.uid ?? f.uid, gid: replaced?.gid ?? f.gid }, f.derived);
    return '';
  }
  // The source's name in the private directory; every path of the command lives beside it there.
  const sub = `post-${randomBytes(4).toString('hex')}`;
  mkdirSync(work.dir.at(sub), { mode: 0o700 });
  const at = (treePath: string): string => `${work.dir.forChild(sub)}/${posix.basename(treePath)}`;
  // Under the name the command gives it (AliasFile's link name), so the database gets that name too.
  const name = c.source ?? f.path;
  writeTemp(`${work.dir.self}/${sub}/${posix.basename(name)}`, bytes, f.mode);
  const args = c.argv.slice(1).map((s) => s.replace(/^(-oA(?:[a-z]+:)?)?(\/.*)$/, (_, opt: string | undefined, p: string) => `${opt ?? ''}${at(p)}`));
  const r = spawnSync(program, args, { input: c.stdin ? bytes : '', encoding: 'utf8', timeout: 120_000, maxBuffer: 16 * 1024 * 1024 });
  const said = (r.stderr || r.stdout || '').split(`${work.dir.forChild(sub)}/`).join(`${posix.dirname(name).replace(/\/$/, '')}/`).trim();
  const built = f.derived ? `${work.dir.self}/${sub}/${posix.basename(f.derived)}` : undefined;
  if (r.error || r.status !== 0 || (built && !lstatOrUndefined(built)?.isFile())) {
    throw new UserError(`${commandLine({ ...c, argv: [program, ...c.argv.slice(1)] })} failed (${r.status === 0 ? 'built nothing' : `exit ${r.status ?? r.error?.message}`}): ${said.split('\n').slice(0, 5).join(' / ')}`, EXIT.runtime);
  }
  if (f.derived && built) {
    const into = dirs.need(posix.dirname(f.derived));
    const name = posix.basename(f.derived);
    const old = into.lstat(name);
    const made = lstatOrUndefined(built)!;
    // The mode and owner of the database replaced, unless it was a file with other links (its owner
    // and mode could be another file's): then the mode the program gave it, and its owner on this
    // system (sendmail gives the database to its TrustedUser, as newaliases would); in another tree,
    // whose user ids are not this system's, the owner of the source file.
    // Never readable by more than its source: the database holds the same entries (an access file
    // of 0600 gets an 0600 database, whatever mode the one it replaces had).
    const replaced = old?.isFile() && old.nlink === 1 ? old : undefined;
    const owner = replaced ?? (live ? made : { uid: f.uid, gid: f.gid });
    const mode = (replaced ?? made).mode & 0o0777 & ~(0o077 & ~f.mode);
    installCopy(built, into, name, mode, { uid: owner.uid, gid: owner.gid }, f.derived);
  }
  return '';
}
