/** An error meant for the user: one line, no stack trace, with the exit code it stands for. */
export class UserError extends Error {
  constructor(
    message: string,
    /** 2 usage, bad config or unusable input; 3 runtime (I/O, internal). */
    readonly exitCode: 2 | 3 = 2,
  ) {
    super(message);
    this.name = 'UserError';
  }
}
