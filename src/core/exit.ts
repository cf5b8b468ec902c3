/**
 * Exit codes: one table for every command. Every exit code in src/ is named from here (test/exit-codes.test.ts
 * fails on a bare number); the tables in README.md ("Exit codes") and docs/ci.md are generated from
 * EXIT_MEANINGS by scripts/build-docs.ts.
 */
export const EXIT = {
  /** Clean: no finding at or above --fail-on; apply done, or nothing to do. */
  ok: 0,
  /** Findings at or above --fail-on; `apply --dry-run --exit-code`: changes pending. */
  findings: 1,
  /** Usage error, invalid config or policy, unusable input. */
  usage: 2,
  /** Runtime error (I/O, internal); nothing half-written. */
  runtime: 3,
  /** apply: a real program rejected a candidate file; nothing installed. */
  rejected: 4,
  /** apply: a target is immutable and --allow-chattr was not given; nothing written. */
  immutable: 5,
  /** rollback: a file changed after the run, or the run was rolled back already, and --force was not given; nothing restored. */
  refused: 6,
  /** apply stopped by SIGINT (128 + 2) while writing files, after setting again the immutable bits it had cleared. */
  interrupted: 130,
  /** apply stopped by SIGTERM or SIGHUP (128 + 15) while writing files, after setting again the immutable bits it had cleared. */
  terminated: 143,
} as const;

export type ExitName = keyof typeof EXIT;
export type ExitCode = (typeof EXIT)[ExitName];

/** What each exit code means, for the docs: in the README's table, and (for the codes CI sees) per command in docs/ci.md. */
export interface ExitMeaning {
  /** The README's line: what the code means for any command. */
  meaning: string;
  /** docs/ci.md: what it means for `mailharden lint`, and for `apply --dry-run --exit-code`. */
  ci?: { lint: string; drift: string };
}

export const EXIT_MEANINGS: Record<ExitName, ExitMeaning> = {
  ok: {
    meaning: 'no unsuppressed finding at or above `--fail-on`; apply: done, or nothing to do',
    ci: { lint: 'no unsuppressed finding at or above `--fail-on` (default `medium`)', drift: 'the files already match the policy' },
  },
  findings: {
    meaning: 'findings at or above `--fail-on`; `apply --dry-run --exit-code`: changes pending',
    ci: { lint: 'findings at or above `--fail-on`', drift: 'changes pending (drift)' },
  },
  usage: {
    meaning: 'usage error: bad flag, invalid `.mailharden.yaml`, a missing, unreadable, binary or special file, a directory with no mail files — always one line on stderr naming the path',
    ci: {
      lint: 'usage error: bad flag, invalid `.mailharden.yaml`, a path that does not exist or whose kind cannot be told, a directory without mail files',
      drift: "invalid policy, or a candidate mailharden's own rules reject",
    },
  },
  runtime: {
    meaning: 'runtime error (I/O, a symlink where apply writes, a failed post-command, internal error); apply writes each file atomically, so none is half-written',
    ci: { lint: 'runtime error', drift: 'runtime error' },
  },
  rejected: { meaning: 'apply: a real program (sendmail, m4, makemap, tcprules) rejected a candidate; nothing installed' },
  immutable: { meaning: 'apply: a file to change is immutable and `--allow-chattr` was not given; nothing written' },
  refused: { meaning: 'rollback: a file changed after the run (each is named), or the run was rolled back already, and `--force` was not given; nothing restored' },
  interrupted: { meaning: 'apply: stopped by SIGINT (Ctrl-C) while writing the files; the immutable bits it had cleared are set again before it exits' },
  terminated: { meaning: 'apply: stopped by SIGTERM or SIGHUP while writing the files; the immutable bits it had cleared are set again before it exits' },
};
