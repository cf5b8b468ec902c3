import { createHash } from 'node:crypto';
import { EXIT, type ExitCode } from '../core/exit.js';
import { octal } from '../host/mode.js';
import { readAccounts, type Accounts } from '../host/layout.js';
import { HostTree } from '../host/tree.js';
import { changes, encodeText, type FilePlan, type Plan } from './plan.js';
import { actionLine, commandLine, unifiedDiff, type ApplyEvent } from './run.js';
import { ownerLine } from './owners.js';
import { withoutPasswords } from '../core/secrets.js';

/** The version of the report's shape (schemas/apply-plan.json); raised when a field changes meaning or goes. */
export const APPLY_JSON_VERSION = 1;

/** How a run ended, from its exit code: what Ansible and CI read before anything else. */
export type ApplyStatus = 'no-changes' | 'planned' | 'applied' | 'verified' | 'unverified' | 'immutable' | 'rejected' | 'failed';

interface Digest {
  sha256: string;
  size: number;
}

export interface FileReport {
  path: string;
  artifact: string;
  kind: string | null;
  action: 'create' | 'change' | 'unchanged';
  before: Digest | null;
  after: Digest;
  mode: string;
  uid: number;
  gid: number;
  /** Names in the tree's own /etc/passwd and /etc/group (the number again when it has none). */
  user: string;
  group: string;
  immutable: boolean;
  /** The database built from it (aliases.db, tcp.smtp.cdb) is older than it: rebuilt though the text is unchanged. */
  stale: boolean;
  diff: string | null;
  /** The texts themselves, for changed files only (Ansible's diff mode shows before and after). */
  beforeText: string | null;
  afterText: string | null;
}

export interface ApplyReport {
  mailharden: string;
  version: typeof APPLY_JSON_VERSION;
  policy: string;
  root: string;
  dryRun: boolean;
  /** A dry run: changes are pending; a real run: it changed the host. */
  changed: boolean;
  status: ApplyStatus;
  exitCode: number;
  files: FileReport[];
  hostActions: Record<string, unknown>[];
  commands: { argv: string[]; stdin: string | null; why: string; file: string; line: string }[];
  /** The plan's commands as the text output shows them, in the order they run. */
  script: string[];
  notes: string[];
  summary: { create: number; change: number; unchanged: number; hostActions: number };
  backup: string | null;
  /** A real run: the host actions that ran, by kind. */
  ran: Record<string, number> | null;
  error: string | null;
}

const digest = (f: FilePlan, text: string | undefined): Digest | null => {
  if (text === undefined) return null;
  const bytes = encodeText(text, f.encoding);
  return { sha256: createHash('sha256').update(bytes).digest('hex'), size: bytes.length };
};

/**
 * Collects what `applyPolicy` tells its observer and the notes it prints, and makes of them one JSON
 * document (schemas/apply-plan.json): `apply --format json`.
 */
export class ApplyJson {
  private planned?: Extract<ApplyEvent, { type: 'plan' }>;
  private backup: string | null = null;
  private ran: Record<string, number> | null = null;
  private readonly notes: string[] = [];

  constructor(
    private readonly version: string,
    private readonly policy: string,
    private readonly root: string,
    private readonly dryRun: boolean,
  ) {}

  readonly observe = (e: ApplyEvent): void => {
    if (e.type === 'plan') this.planned = e;
    else if (e.type === 'backup') this.backup = e.shown;
    else this.ran = { ...e.tally };
  };

  private verified = false;

  /** What apply would print on stdout (the diffs are in the files already): only whether it says the run was verified is kept. */
  out(text: string): void {
    if (/^Applied and verified: /m.test(text)) this.verified = true;
  }

  /** A line apply wrote to stderr: each note goes into the report too (without the `mailharden: note: ` prefix). */
  note(text: string): void {
    for (const line of text.split('\n')) if (line.trim()) this.notes.push(line.replace(/^mailharden: (note: )?/, ''));
  }

  async report(code: ExitCode, error?: string): Promise<ApplyReport> {
    const p = this.planned;
    const accounts = p ? readAccounts(new HostTree(p.plan.root)) : undefined;
    const files = p ? await Promise.all(p.plan.files.map((f) => fileReport(f, accounts!))) : [];
    const hostActions = p ? [...p.plan.actions.map(hostAction), ...p.plan.owners.map(ownerAction)] : [];
    const due = p ? p.plan.files.filter((f) => p.postCommands && (changes(f) || f.stale)) : [];
    const commands = due.flatMap((f) => f.post.map((c) => ({ argv: [...c.argv], stdin: c.stdin ?? null, why: c.why, file: f.path, line: commandLine(c) })));
    const create = files.filter((f) => f.action === 'create').length;
    const change = files.filter((f) => f.action === 'change').length;
    const hostCount = hostActions.length + files.filter((f) => f.stale && f.action === 'unchanged').length;
    const status = statusOf(code, this.dryRun, create + change + hostCount > 0, error !== undefined, this.verified);
    // Ansible's meaning: a dry run would change the host; a real run did (it got as far as writing).
    const pending = create + change + hostCount > 0;
    // A real run that failed after it started its run directory may have written some of it.
    const changed = this.dryRun ? pending && status !== 'failed' : pending && (status === 'applied' || status === 'verified' || status === 'unverified' || (status === 'failed' && this.backup !== null));
    return {
      mailharden: this.version,
      version: APPLY_JSON_VERSION,
      policy: this.policy,
      root: this.root,
      dryRun: this.dryRun,
      changed,
      status,
      exitCode: code,
      files,
      hostActions,
      commands,
      script: p ? [...p.lines] : [],
      notes: [...(p?.plan.notes ?? []), ...this.notes.filter((n) => !p?.plan.notes.includes(n))],
      summary: { create, change, unchanged: files.length - create - change, hostActions: hostCount },
      backup: this.backup,
      ran: this.ran,
      error: error ?? null,
    };
  }
}

function statusOf(code: ExitCode, dryRun: boolean, pending: boolean, failed: boolean, verified: boolean): ApplyStatus {
  if (failed) return code === EXIT.rejected ? 'rejected' : code === EXIT.immutable ? 'immutable' : 'failed';
  if (code === EXIT.rejected) return 'rejected';
  if (code === EXIT.immutable) return 'immutable';
  if (code === EXIT.unverified) return 'unverified';
  if (!pending) return 'no-changes';
  if (dryRun) return 'planned';
  return verified ? 'verified' : 'applied';
}

async function fileReport(f: FilePlan, accounts: Accounts): Promise<FileReport> {
  const changed = changes(f);
  const shown = (text: string): string => (f.kind === 'access' ? withoutPasswords(text) : text);
  return {
    path: f.path,
    artifact: f.artifact,
    kind: f.kind ?? null,
    action: f.before === undefined ? 'create' : changed ? 'change' : 'unchanged',
    before: digest(f, f.before),
    after: digest(f, f.after)!,
    mode: octal(f.mode),
    uid: f.uid,
    gid: f.gid,
    user: accounts.userName(f.uid),
    group: accounts.groupName(f.gid),
    immutable: f.immutable,
    stale: f.stale === true,
    diff: changed ? shown(await unifiedDiff(f)) : null,
    beforeText: changed ? shown(f.before ?? '') : null,
    afterText: changed ? shown(f.after) : null,
  };
}

function hostAction(a: Plan['actions'][number]): Record<string, unknown> {
  const line = actionLine(a);
  return a.type === 'chmod' ? { ...a, mode: octal(a.mode), from: octal(a.from), line } : { ...a, line };
}

function ownerAction(a: Plan['owners'][number]): Record<string, unknown> {
  const base = { type: a.type, path: a.path, hostPath: a.hostPath, uid: a.uid, gid: a.gid, mode: octal(a.mode), why: a.why, line: ownerLine(a) };
  return a.type === 'own' ? { ...base, from: { uid: a.from.uid, gid: a.from.gid, mode: octal(a.from.mode) } } : base;
}
