import { visibleControls } from './visible.js';

/** An error meant for the user: one line (or several, made with lines()), no stack trace, with the exit code it stands for. */
export class UserError extends Error {
  constructor(
    message: string,
    /** 2 usage, bad config or unusable input; 3 runtime (I/O, internal). */
    readonly exitCode: 2 | 3 = 2,
    /** Several lines on purpose, each escaped when it was made (lines()); else shown as one line, a newline in it escaped. */
    readonly multiline = false,
  ) {
    super(message);
    this.name = 'UserError';
  }

  /** A message of several lines: each escaped on its own, so a value holding a newline stays on its line. */
  static lines(lines: readonly string[], exitCode: 2 | 3 = 2): UserError {
    return new UserError(lines.map((l) => visibleControls(l)).join('\n'), exitCode, true);
  }
}
