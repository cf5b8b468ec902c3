import { EXIT } from './exit.js';
import { visibleControls } from './visible.js';

/** The exit codes a UserError can stand for. */
export type UserErrorExit = typeof EXIT.usage | typeof EXIT.runtime;

/** An error meant for the user: one line (or several, made with lines()), no stack trace, with the exit code it stands for. */
export class UserError extends Error {
  constructor(
    message: string,
    /** EXIT.usage: usage, bad config or unusable input; EXIT.runtime: I/O, internal. */
    readonly exitCode: UserErrorExit = EXIT.usage,
    /** Several lines on purpose, each escaped when it was made (lines()); else shown as one line, a newline in it escaped. */
    readonly multiline = false,
  ) {
    super(message);
    this.name = 'UserError';
  }

  /** A message of several lines: each escaped on its own, so a value holding a newline stays on its line. */
  static lines(lines: readonly string[], exitCode: UserErrorExit = EXIT.usage): UserError {
    return new UserError(lines.map((l) => visibleControls(l)).join('\n'), exitCode, true);
  }
}
