import { BLANKS, trimEndOf } from '../core/trim.js';
import type { CfOption } from '../parsers/sendmail-cf.js';
import { lookupOption } from './sendmail-options.js';

/** Shows TABs and newlines of cf text as `\t` and `\n`, so a message says where they are. */
export function visible(s: string): string {
  return s.replace(/\t/g, '\\t').replace(/\n/g, '\\n');
}

/** Shortens text quoted in a message. */
export function clip(s: string, max = 60): string {
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}

/**
 * The option name as setoption() takes it from a long-form line: the text before `=` without the
 * spaces next to it, up to the first `.` (the rest is the sub-option). TABs and other blanks stay.
 */
export function sendmailName(opt: CfOption): string {
  const dot = opt.written.indexOf('.');
  return dot >= 0 ? opt.written.slice(0, dot) : opt.written;
}

/** How an `O` line's name is separated from the `O` and from its value, when readcf gets it wrong. */
export type SeparatorProblem = 'tabAfterO' | 'extraBlank' | 'noEquals' | 'blankInName';

/**
 * The separator mistakes of an `O` line (FORMATS.md §1): a TAB after `O` (read as the one-letter
 * option 0x9), more than one blank after `O` (the name keeps the extra blank), a blank instead of `=`
 * after a real name, or a TAB (or blank) left inside the name. All are fatal.
 */
export function separatorProblem(opt: CfOption): SeparatorProblem | undefined {
  if (opt.form === 'short') return opt.written === '\t' ? 'tabAfterO' : undefined;
  const name = sendmailName(opt);
  if (/^\s/.test(name)) return 'extraBlank';
  if (!/\s/.test(name)) return undefined;
  const first = lookupOption(name.split(/\s/)[0]!);
  if (!opt.hasEquals && (first.status === 'exact' || first.status === 'abbreviation')) return 'noEquals';
  return 'blankInName';
}

/**
 * For a short-form `O` line such as `OPrivacyOptions=noexpn`: the long option it was meant to set,
 * when the text between `O` and `=` is a long option name (or a unique prefix of one).
 */
export function meantLongName(opt: CfOption): { written: string; name: string } | undefined {
  if (opt.form !== 'short') return undefined;
  const { text } = opt.line;
  const eq = text.indexOf('=');
  const written = eq > 1 ? trimEndOf(text.slice(1, eq), ' ') : '';
  if (!/^[A-Za-z][\w.*-]+$/.test(written)) return undefined;
  const meant = lookupOption(written);
  return meant.status === 'exact' || meant.status === 'abbreviation' ? { written, name: meant.name } : undefined;
}

/** One comment that translate_dollars() cuts from a line: joined-text offsets of `#` and of the line end. */
export interface CommentCut {
  at: number;
  end: number;
}

/**
 * Where readcf starts comments inside a statement (config level 3 on, readcf.c translate_dollars): at
 * each `#` that is not the first character, not escaped as `\#` and not the macro name of `$#`, up to
 * the end of its physical line only (continuation lines keep their own text).
 */
export function commentCuts(text: string): CommentCut[] {
  const cuts: CommentCut[] = [];
  for (let k = 1; k < text.length; k++) {
    const c = text[k];
    if (c === '$') {
      // `$$` is a literal dollar (a `#` after it does start a comment); `$x`, `$=x`, `$?x` name a macro.
      if (text[k + 1] === '$') k++;
      else k += '=~&?'.includes(text[k + 1] ?? '') ? 2 : 1;
      continue;
    }
    if (c !== '#' || text[k - 1] === '\\') continue;
    const nl = text.indexOf('\n', k);
    const end = nl >= 0 ? nl : text.length;
    cuts.push({ at: k, end });
    k = end;
  }
  return cuts;
}

/** The text with its comments cut as readcf cuts them (blanks before each `#` go too). */
export function withoutComments(text: string): string {
  let out = '';
  let from = 0;
  for (const cut of commentCuts(text)) {
    out += trimEndOf(text.slice(from, cut.at), BLANKS);
    from = cut.end;
  }
  return out + text.slice(from);
}

/** Whether a text reads as a sentence: three or more plain words, as in a comment. */
function looksLikeProse(s: string): boolean {
  const words = s.trim().split(/\s+/);
  return words.length >= 3 && words.every((w) => /^[A-Za-z][A-Za-z'-]*[,.;:!?)]?$/.test(w));
}

/**
 * What each kind of cf statement looks like, tight enough that the text of a comment rarely matches:
 * `O Name=`, a one-word short option, an R line with its TAB, `Mname, P=…`, `K name class`, and so on.
 */
const SHAPES: Readonly<Record<string, RegExp>> = {
  O: /^O( [A-Za-z][\w.]* *=|[A-Za-z0-9]\S*$)/,
  R: /^R[^\t]+\t+[^\t]/,
  S: /^S[ \t]*(\d+|[A-Za-z_]\w*)([ \t]*=[ \t]*\d+)?$/,
  D: /^D(\{\w+\}|\w)(\S*$|.*\$)/,
  C: /^C(\{\w+\}|\w)\S/,
  F: /^F(\{\w+\}|\w)[ \t]*(-o[ \t]+)?[/|]/,
  M: /^M[\w-]+,[ \t]*[A-Za-z]=/,
  H: /^H(\?[^?]*\?)?[\w-]+:/,
  K: /^K[\w.-]+[ \t]+[a-z]\w*/,
  P: /^P[\w-]+=-?\d+$/,
  V: /^V\d+(\/\w+)?$/,
  E: /^E[A-Z_][A-Z0-9_]*(=|$)/,
  Q: /^Q[\w-]+,[ \t]*[A-Za-z]=/,
  X: /^X[\w-]+,[ \t]*[A-Za-z]=/,
  T: /^T[a-z_][\w-]*$/,
};

/** Whether the text (leading blanks removed) looks like a cf statement rather than prose. */
export function looksLikeStatement(text: string): boolean {
  const shape = SHAPES[text[0] ?? ''];
  return shape !== undefined && shape.test(text) && !looksLikeProse(text);
}
