import { fsName } from './fs-names.js';

/**
 * Beyond C0: DEL, C1, the line and paragraph separators, every format character (Unicode category Cf:
 * the Arabic letter mark, the zero-width space, joiners and non-joiner, LRM/RLM, the embeddings,
 * overrides and isolates, the word joiner and invisible operators, the soft hyphen, the byte order mark,
 * the tag characters, …), every other default-ignorable code point (variation selectors, the combining
 * grapheme joiner, the Hangul fillers, …: a terminal draws nothing for them), the spaces other than the
 * space itself (a no-break or ideographic space looks like a space and is not one), and the lone
 * surrogates that stand for bytes of a file name that is not UTF-8 (core/fs-names.ts; shown as those bytes).
 */
const BEYOND_C0 = '\\x7f-\\x9f\\p{Zl}\\p{Zp}\\p{Cf}\\p{Default_Ignorable_Code_Point}\\u00a0\\u1680\\u2000-\\u200a\\u202f\\u205f\\u3000\\udc80-\\udcff';

/**
 * Text that came from a file, a file name, a server or another program, made safe to show to a person.
 *
 * Escaped: every C0 control, DEL and every C1 control (ESC and CSI start terminal sequences, OSC sets
 * the window title, CR rewinds the line, and after a CR a GitHub runner reads `::error::` as a workflow
 * command), the Unicode line and paragraph separators, the bidirectional formatting characters (U+061C,
 * U+200E, U+200F, U+202A–U+202E, U+2066–U+2069), which reorder what a reviewer sees without showing
 * themselves, and the characters a terminal shows as nothing or as a space (zero-width spaces and
 * joiners, the soft hyphen, the BOM, tags, variation selectors, no-break spaces: BEYOND_C0), which hide
 * a difference between two names that look the same. A newline is `\n`, a TAB `\t`, a CR `\r`, another
 * character below U+0100 `\xNN`, one above U+FFFF `\u{NNNNN}`, the rest `\uNNNN`. A backslash stays as
 * it is: config files are full of them, and what an unsafe character turns into is never an unsafe
 * character, so escaping twice changes nothing. Whether a text holds one of these characters.
 */
export function hasUnsafeChars(s: string): boolean {
  return !PLAIN.test(s) && unsafe().chars.test(s);
}

/** The first unsafe character of a text (see hasUnsafeChars), if it holds one. */
export function firstUnsafeChar(s: string): string | undefined {
  return PLAIN.test(s) ? undefined : unsafe().chars.exec(s)?.[0];
}

/**
 * Printable ASCII, of which no character is unsafe: most text is only that, and this test is decided
 * without the Unicode tables of BEYOND_C0, whose patterns are built on first need (building them costs
 * most of a millisecond at start-up, docs/performance.md).
 */
const PLAIN = /^[\x20-\x7e]*$/;

interface UnsafePatterns {
  /** Any unsafe character (hasUnsafeChars). */
  chars: RegExp;
  all: RegExp;
  /** The same, without the newline (text of several lines). */
  butNewline: RegExp;
  /** The same, without the newline and TAB (diffs and file text keep their layout). */
  butLayout: RegExp;
  /** What JSON.stringify leaves raw of the unsafe characters (it escapes C0 itself; newlines outside strings are layout). */
  jsonRaw: RegExp;
  jsonRawAll: RegExp;
}
let patterns: UnsafePatterns | undefined;

function unsafe(): UnsafePatterns {
  if (patterns === undefined) {
    const chars = new RegExp(`[\\x00-\\x1f${BEYOND_C0}]`, 'u');
    const jsonRaw = new RegExp(`[${BEYOND_C0}]`, 'u');
    patterns = {
      chars,
      all: new RegExp(chars.source, 'gu'),
      butNewline: new RegExp(`[\\x00-\\x09\\x0b-\\x1f${BEYOND_C0}]`, 'gu'),
      butLayout: new RegExp(`[\\x00-\\x08\\x0b-\\x1f${BEYOND_C0}]`, 'gu'),
      jsonRaw,
      jsonRawAll: new RegExp(jsonRaw.source, 'gu'),
    };
  }
  return patterns;
}

/**
 * What `visibleControls` leaves alone: nothing (one line: messages, paths, a source line), newlines
 * (`lines`: an error of several lines) or newlines and TABs (`layout`: a diff, a file's text).
 */
export type Keep = 'nothing' | 'lines' | 'layout';

function escaped(c: string): string {
  if (c === '\n') return '\\n';
  if (c === '\t') return '\\t';
  if (c === '\r') return '\\r';
  const code = c.codePointAt(0)!;
  if (code >= 0xdc80 && code <= 0xdcff) return `\\x${(code - 0xdc00).toString(16)}`;
  if (code > 0xffff) return `\\u{${code.toString(16)}}`;
  return code < 0x100 ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}

/** Shows control, bidirectional and invisible characters as escapes (see hasUnsafeChars); the one escaping every human output uses. */
export function visibleControls(s: string, keep: Keep = 'nothing'): string {
  if (!hasUnsafeChars(s)) return s;
  const p = unsafe();
  const pattern = keep === 'nothing' ? p.all : keep === 'lines' ? p.butNewline : p.butLayout;
  return s.replace(pattern, escaped);
}

/** Whether JSON text holds a character JSON.stringify leaves raw of the unsafe ones. */
function hasJsonRaw(s: string): boolean {
  return !PLAIN.test(s) && unsafe().jsonRaw.test(s);
}

/**
 * JSON text from JSON.stringify with the characters it leaves raw (DEL, C1 controls, line separators,
 * bidi characters) written as `\uNNNN`: the same JSON value, safe on a terminal. Such characters occur
 * in JSON text only inside strings, where `\uNNNN` means the same character.
 */
export function jsonVisible(json: string): string {
  // A character above U+FFFF (a tag) is its two UTF-16 halves, each \\uNNNN, as JSON writes it.
  return hasJsonRaw(json) ? json.replace(unsafe().jsonRawAll, (c) => [...Array(c.length).keys()].map((i) => `\\u${c.charCodeAt(i).toString(16).padStart(4, '0')}`).join('')) : json;
}

/**
 * JSON.stringify, with what jsonVisible() does, looking for the characters in each string value as it
 * is serialised rather than in the whole text afterwards (a scan of a text of many megabytes costs as
 * much memory again).
 */
export function stringifyVisible(value: unknown, indent?: number): string {
  let raw = false;
  const text = JSON.stringify(value, (_key, v: unknown) => {
    if (!raw && typeof v === 'string' && hasJsonRaw(v)) raw = true;
    return v;
  }, indent);
  return raw ? jsonVisible(text) : text;
}

/**
 * A shell word that is exactly `s` and shows on one line: bare when it needs no quoting, in single
 * quotes when it holds no unsafe character, else in `$'…'` with every unsafe character as the `\xNN`
 * escapes of its UTF-8 bytes (what the file system gets), so a newline or a terminal sequence in a
 * name can neither start a second command in a printed plan nor act on the terminal.
 */
export function shellWord(s: string): string {
  if (/^[A-Za-z0-9_./=+:@%-]+$/.test(s)) return s;
  if (!hasUnsafeChars(s)) return `'${s.replace(/'/g, `'\\''`)}'`;
  let out = '';
  for (const c of s) {
    if (c === '\\' || c === "'") out += `\\${c}`;
    else if (hasUnsafeChars(c)) out += c === '\n' ? '\\n' : c === '\t' ? '\\t' : c === '\r' ? '\\r' : [...fileBytes(c)].map((b) => `\\x${b.toString(16).padStart(2, '0')}`).join('');
    else out += c;
  }
  return `$'${out}'`;
}

/** The bytes a string stands for in a file name (a lone surrogate of fs-names.ts is its byte). */
export function fileBytes(s: string): Buffer {
  const raw = fsName(s);
  return typeof raw === 'string' ? Buffer.from(raw, 'utf8') : raw;
}
