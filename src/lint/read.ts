import { closeSync, readSync } from 'node:fs';
import { attachSnippet, lintFile, PartLinter, type LintOptions } from '../core/engine.js';
import { UserError } from '../core/errors.js';
import { NotRegularFile, openRegular, readOpen } from '../core/open-regular.js';
import { SourceFile } from '../core/source.js';
import type { FileKind, Finding } from '../core/types.js';
import { partCut, tooLarge, wholeLimit, type PartCut } from '../parsers/documents.js';

/**
 * A file of a kind that can be cut (aliases) and larger than this is linted in parts of about this
 * many bytes, read a block at a time: memory then depends on the part size, the findings and what
 * whole-file rules keep (one entry per distinct alias name), not on the size of the file.
 */
const PART_BYTES = 1024 * 1024;
/** A part grows past PART_BYTES only while no line to cut at has come; beyond this the file is refused. */
const MAX_PART_BYTES = 256 * 1024 * 1024;
const BLOCK_BYTES = 1024 * 1024;

/** A file chosen for linting: its path, the path findings show, its kind. */
export interface LintTarget {
  abs: string;
  shown: string;
  kind: FileKind;
}

/** Lints one file: read whole, or in parts of about `partBytes` when it is larger and its kind allows it. */
export function lintTarget(t: LintTarget, opts: LintOptions, partBytes = PART_BYTES): Finding[] {
  const cut = partCut(t.kind);
  if (!cut) return lintFile(SourceFile.fromBytes(t.shown, readBytes(t), t.kind === 'tcp-rules'), t.kind, opts);
  // A small file of a kind that can be cut is read on the descriptor its size was judged on (one open, not two).
  const small = readBytes(t, partBytes);
  if (small) return lintFile(SourceFile.fromBytes(t.shown, small, t.kind === 'tcp-rules'), t.kind, opts);
  const linter = new PartLinter(t.shown, t.kind, opts);
  // One part of look-ahead, so the linter knows which part is the last.
  let held: SourceFile | undefined;
  for (const part of readParts(t, cut, partBytes)) {
    if (held) linter.part(held, false);
    held = part;
  }
  linter.part(held ?? new SourceFile(t.shown, ''), true);
  const { findings, unsnipped } = linter.finish();
  if (unsnipped.length) fillSnippets(t, cut, partBytes, unsnipped);
  return findings;
}

function readError(t: LintTarget, e: unknown): UserError {
  if (e instanceof UserError) return e;
  if (e instanceof NotRegularFile) return new UserError(`${t.shown}: not a regular file (${e.what})`);
  const code = (e as NodeJS.ErrnoException).code;
  return new UserError(`${t.shown}: cannot read: ${code === 'EACCES' ? 'permission denied' : (code ?? String(e))}`);
}

/** Whether a file's start (its first 8 KiB) says it is no text file: it holds a NUL. */
export function looksBinary(head: Buffer | string): boolean {
  return typeof head === 'string' ? head.slice(0, 8192).includes('\0') : head.subarray(0, 8192).includes(0);
}

/** Why a binary file is not linted. */
export function binaryReason(kind: FileKind): string {
  return `binary file (NUL bytes), not ${kind} text`;
}

function refuseBinary(t: LintTarget, head: Buffer): void {
  if (looksBinary(head)) throw new UserError(`${t.shown}: ${binaryReason(t.kind)}`);
}

/** Reads a target as text; binary, oversized and unreadable files are one-line errors. */
export function readText(t: LintTarget): string {
  return readBytes(t).toString('utf8');
}

/** The bytes of a file read whole (see readText); with `atMost`, undefined (nothing read) when the file is larger. */
function readBytes(t: LintTarget): Buffer;
function readBytes(t: LintTarget, atMost: number): Buffer | undefined;
function readBytes(t: LintTarget, atMost = Infinity): Buffer | undefined {
  let buf: Buffer;
  try {
    // Opened without blocking and judged on the descriptor: a FIFO swapped in after the walk saw a file is refused, not waited on.
    const { fd, st } = openRegular(t.abs);
    try {
      if (st.size > atMost) return undefined;
      if (st.size > wholeLimit(t.kind)) throw new UserError(`${t.shown}: ${tooLarge(t.kind, st.size)}; refusing to read it`);
      buf = readOpen(fd, st.size);
    } finally {
      closeSync(fd);
    }
  } catch (e) {
    throw readError(t, e);
  }
  refuseBinary(t, buf);
  return buf;
}

/**
 * The file as parts of about `partBytes` bytes, each cut where `cut` says the parser's state is empty
 * (always after a newline, so never inside a UTF-8 character) and numbered from its first line.
 */
export function* readParts(t: LintTarget, cut: PartCut, partBytes: number): Generator<SourceFile> {
  let fd: number;
  try {
    fd = openRegular(t.abs).fd;
  } catch (e) {
    throw readError(t, e);
  }
  try {
    // The first read holds at least the 8 KiB that readText looks at for NUL bytes.
    const blockBytes = Math.max(8192, Math.min(BLOCK_BYTES, partBytes));
    let window = Buffer.allocUnsafe(partBytes + blockBytes);
    let filled = 0;
    /** How much of the window was looked at for a cut already (so a long stretch without one is scanned once). */
    let scanned = 0;
    let line = 1;
    let position = 0;
    for (;;) {
      if (filled + blockBytes > window.length) {
        // No line to cut at yet: the part grows, up to a limit.
        if (window.length >= MAX_PART_BYTES) throw new UserError(`${t.shown}: no line starting an entry within ${MAX_PART_BYTES / 1024 / 1024} MiB (one entry, or a run of comment or indented lines, that long); refusing to read it`);
        const bigger = Buffer.allocUnsafe(Math.min(window.length * 2, MAX_PART_BYTES));
        window.copy(bigger, 0, 0, filled);
        window = bigger;
      }
      let n: number;
      try {
        n = readSync(fd, window, filled, blockBytes, position);
      } catch (e) {
        throw readError(t, e);
      }
      if (position === 0) refuseBinary(t, window.subarray(0, n));
      if (n === 0) break;
      position += n;
      filled += n;
      if (filled < partBytes) continue;
      // A cut depends on the bytes around a newline: look again from just before the end of the last look.
      const at = cut(window.subarray(0, filled), Math.max(0, scanned - 2));
      scanned = filled;
      if (at <= 0) continue;
      const part = new SourceFile(t.shown, window.toString('utf8', 0, at), line);
      line += part.lineCount;
      window.copy(window, 0, at, filled);
      filled -= at;
      // Nothing after the cut (the last one) was a place to cut.
      scanned = filled;
      yield part;
    }
    yield new SourceFile(t.shown, window.toString('utf8', 0, filled), line);
  } finally {
    closeSync(fd);
  }
}

/**
 * Gives the source line to findings reported at a line of an earlier part (a duplicate alias found
 * parts later): one more read of the file, in the same parts, keeping only the lines asked for.
 */
function fillSnippets(t: LintTarget, cut: PartCut, partBytes: number, findings: Finding[]): void {
  const byLine = new Map<number, Finding[]>();
  for (const f of findings) {
    const list = byLine.get(f.line);
    if (list) list.push(f);
    else byLine.set(f.line, [f]);
  }
  const lines = [...byLine.keys()].sort((a, b) => a - b);
  let k = 0;
  for (const part of readParts(t, cut, partBytes)) {
    while (k < lines.length && lines[k]! <= part.lastLine) {
      const n = lines[k++]!;
      if (part.has(n)) for (const f of byLine.get(n)!) attachSnippet(f, part.line(n));
    }
    if (k === lines.length) break;
  }
}
