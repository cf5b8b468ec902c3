import type { Span } from '../core/types.js';
import type { CfDocument } from '../parsers/sendmail-cf.js';

/**
 * A file a cf reads into a class: `Fw/etc/mail/local-host-names %[^\#]`, `FR-o /etc/mail/relay-domains
 * %[^\#]`, `Ft/etc/mail/trusted-users`. As readcf.c reads an F line: the class name (one letter or
 * `{name}`), then `-o` (optional file), then the file name and, after a blank, a scanf format
 * (default `%s`). Programs (`F|prog`) and maps (`Fc key@map:spec`) are not files and are left out.
 */
export interface ClassFile {
  /** Class name: `R`, `w`, `t`, or a long name without braces (`{R}` is `R`). */
  name: string;
  path: string;
  optional: boolean;
  /** How each line is read: its first word (`%s`), every word before a `#` (`%[^\#]`), or a format this model does not read. */
  format: 'first-word' | 'before-hash' | 'other';
  span: Span;
}

/** The F lines of a cf that read a file, in order. */
export function classFiles(doc: CfDocument): ClassFile[] {
  const out: ClassFile[] = [];
  const { lines } = doc;
  for (const i of lines.withLetter('F')) {
    const line = lines.at(i);
    const m = /^F(?:\{([^}\s]+)\}|(\S))[ \t]*(-o\S*[ \t]+)?(\S+)[ \t]*(.*)$/.exec(line.text.replace(/\r$/, ''));
    if (!m) continue;
    const path = m[4]!;
    // Only a name that starts with "/" is a file here: `|prog` is a program, `key@map:spec` a map, a relative name depends on the directory sendmail runs in.
    if (!path.startsWith('/') || path.includes('"')) continue;
    const fmt = m[5]!.trim();
    const format = fmt === '' || fmt === '%s' ? 'first-word' : fmt === '%[^\\#]' || fmt === '%[^#]' ? 'before-hash' : 'other';
    out.push({ name: m[1] ?? m[2]!, path, optional: m[3] !== undefined, format, span: line.span });
  }
  return out;
}

/** One word a class file puts into its class, where it is. */
export interface ClassWord {
  word: string;
  line: number;
  /** 1-based column of the word's first character. */
  column: number;
}

/**
 * The words a class file puts into the class, read as fileclass() does: lines that start with `#`
 * are skipped; `%s` takes the first word of a line, `%[^\#]` every word before a `#`. Undefined for a
 * format this model does not read.
 */
export function classFileWords(text: string, format: ClassFile['format']): ClassWord[] | undefined {
  if (format === 'other') return undefined;
  const out: ClassWord[] = [];
  const rows = text.split('\n');
  for (let n = 0; n < rows.length; n++) {
    const row = rows[n]!;
    if (row.startsWith('#')) continue;
    const hash = row.indexOf('#');
    const upto = format === 'before-hash' && hash >= 0 ? row.slice(0, hash) : row;
    const re = /[^\s]+/g;
    for (let m = re.exec(upto); m; m = re.exec(upto)) {
      out.push({ word: m[0], line: n + 1, column: m.index + 1 });
      if (format === 'first-word') break;
    }
  }
  return out;
}
