import { writeSync } from 'node:fs';
import { EXIT } from '../core/exit.js';

/**
 * The CLI's standard output. `process.stdout` is made on first use, and making it loads Node.js's
 * streams (a file or /dev/null), net (a pipe) or tty and net (a terminal), none of them in Node.js's
 * start-up snapshot: several milliseconds of a run that lints one small file. So the CLI writes with
 * write(2) on descriptor 1, which on Linux and the BSDs is what `process.stdout.write` does too for a
 * file, a pipe or a terminal (synchronous there: nodejs.org/api/process.html#a-note-on-process-io),
 * and turns to `process.stdout` only when a write fails for another reason than a closed pipe (a
 * descriptor left non-blocking by another program: EAGAIN; or none open), and on Windows.
 */
let stream: NodeJS.WriteStream | undefined;

/** A reader that stops early (`mailharden lint … | head`) closes the pipe: stop quietly, keeping the exit code. */
function exitQuietly(): never {
  process.exit(process.exitCode ?? EXIT.ok);
}

/**
 * The pipe closed under a write(2): the rest of the output is dropped, and the run stops when the
 * stream's 'error' event would have stopped it, on the next tick: after the promises the command is
 * settling (so the exit code is the run's, 1 with findings at --fail-on, as before).
 */
let closed = false;
function pipeClosed(): void {
  if (closed) return;
  closed = true;
  process.nextTick(exitQuietly);
}

/** `process.stdout`, with the handler of a closed pipe. */
export function stdoutStream(): NodeJS.WriteStream {
  if (stream === undefined) {
    stream = process.stdout;
    stream.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'EPIPE') exitQuietly();
      throw e;
    });
  }
  return stream;
}

/** Writes `text` to standard output, all of it before it returns (but for the fallback above). */
export function writeStdout(text: string): void {
  if (closed) return;
  if (stream === undefined && process.platform !== 'win32') {
    const data = Buffer.from(text, 'utf8');
    let off = 0;
    try {
      while (off < data.length) off += writeSync(1, data, off, data.length - off);
      return;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EPIPE') return pipeClosed();
      // The rest goes through the stream, which waits for a non-blocking descriptor.
      stdoutStream().write(data.subarray(off));
      return;
    }
  }
  stdoutStream().write(text);
}

/** Whether standard output is a terminal (this makes `process.stdout`: ask only when the answer matters). */
export function stdoutIsTTY(): boolean {
  return Boolean(stdoutStream().isTTY);
}
