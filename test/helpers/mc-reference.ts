import type { SourceFile } from '../../src/core/source.js';
import type { Position, Span } from '../../src/core/types.js';
import { MAX_MC_ITEMS, stripDnl, type McCall, type McDocument } from '../../src/parsers/sendmail-mc.js';

const isWordStart = (c: string | undefined): boolean => c !== undefined && /[A-Za-z_]/.test(c);
const isWord = (c: string | undefined): boolean => c !== undefined && /[A-Za-z0-9_]/.test(c);

/**
 * The plain reading the scanner must agree with: character by character, a line and column kept for
 * every character, an object made for every call (also past the cap), regular expressions per
 * character. It is parseSendmailMc as it was before the one-pass scanner (commit 9f3aa5e).
 */
export function parseSendmailMcReference(file: SourceFile): McDocument {
  const doc: McDocument = { kind: 'sendmail-mc', file, calls: [], localConfig: [], hashLines: [], problems: [] };
  const text = file.text;
  /** Calls, arguments and lines kept so far; past MAX_MC_ITEMS the file is still read (quotes, comments) but nothing more is kept. */
  let items = 0;
  const keep = (): boolean => {
    if (items < MAX_MC_ITEMS) {
      items++;
      return true;
    }
    if (items++ === MAX_MC_ITEMS) {
      const at = pos();
      doc.problems.push({ message: `more than ${MAX_MC_ITEMS.toLocaleString('en-US')} macro calls, arguments and LOCAL_CONFIG lines: mailharden reads the first ${MAX_MC_ITEMS.toLocaleString('en-US')} and checks nothing after this place (a real .mc has about a hundred)`, span: { start: at, end: { line: at.line, column: at.column + 1 } } });
    }
    return false;
  };
  let i = 0;
  let line = 1;
  let col = 1;
  let inLocalConfig = false;
  let hashComments = true;
  const pos = (): Position => ({ line, column: col });
  const advance = (): void => {
    if (text[i] === '\n') {
      line++;
      col = 1;
    } else col++;
    i++;
  };
  const skipToEol = (): void => {
    while (i < text.length && text[i] !== '\n') advance();
  };
  const skipQuoted = (): boolean => {
    // At a backquote: skip to its matching quote; false when the file ends first.
    const start = pos();
    let depth = 0;
    while (i < text.length) {
      const c = text[i];
      if (c === '`') depth++;
      else if (c === "'") {
        depth--;
        if (depth === 0) {
          advance();
          return true;
        }
      }
      advance();
    }
    doc.problems.push({ message: 'unterminated quote: m4 stops with "EOF in string"', span: { start, end: { line: start.line, column: start.column + 1 } } });
    return false;
  };

  let joined = false;
  while (i < text.length) {
    const c = text[i]!;
    if (c === '\n') joined = false;
    if (c === '#') {
      if (hashComments) {
        skipToEol();
        continue;
      }
      if (col === 1 && keep()) doc.hashLines.push(line);
    }
    if (c === '`') {
      if (!skipQuoted()) break;
      continue;
    }
    if (inLocalConfig && col === 1 && /^[A-Z]/.test(c) && !/^[A-Z_]+\(|^(LOCAL_|MAILER|divert|dnl)/.test(text.slice(i, i + 20))) {
      const end = text.indexOf('\n', i);
      const lineText = text.slice(i, end < 0 ? text.length : end).replace(/\r$/, '');
      // The line is read on as m4 reads it: a quote opened there can run over the lines below.
      if ((/^[A-Z][^a-z_]/.test(lineText) || /^O /.test(lineText)) && keep()) doc.localConfig.push({ line, text: lineText, joined });
    }
    // Names are read whole, so a letter or _ read here starts one: a digit before it is a character of
    // its own (m4 reads `1.2.3.4dnl` as 1.2.3.4 and dnl).
    if (isWordStart(c)) {
      const start = pos();
      const nameStart = i;
      while (isWord(text[i])) advance();
      const name = text.slice(nameStart, i);
      const nameSpan: Span = { start, end: pos() };
      if (name === 'dnl') {
        skipToEol();
        if (i < text.length) advance();
        joined = true;
        continue;
      }
      const call: McCall = { name, args: [], nameSpan, span: nameSpan, index: doc.calls.length };
      if (text[i] === '(') {
        advance();
        if (!readArgs(call)) break;
        call.span = { start, end: pos() };
      }
      if (keep()) doc.calls.push(call);
      if (name === 'include' && /(^|\/)cf\.m4$/.test(call.args[0]?.text ?? '')) hashComments = false;
      if (name === 'LOCAL_CONFIG') inLocalConfig = true;
      else if (/^(LOCAL_RULE|LOCAL_RULESETS|LOCAL_NET_CONFIG|MAILER|LOCAL_SRV_FEATURES|LOCAL_TRY_TLS|LOCAL_TLS|LOCAL_CLT)/.test(name)) inLocalConfig = false;
      continue;
    }
    advance();
  }
  return doc;

  /** Reads arguments after `(` up to the matching `)`; false when the file ends first. */
  function readArgs(call: McCall): boolean {
    const open = { line, column: col - 1 };
    let depth = 0;
    let argStart = -1;
    let argPos: Position = pos();
    const finish = (): void => {
      const raw = argStart < 0 ? '' : text.slice(argStart, i);
      const end = pos();
      // An empty argument still gets a one-character span, at the place it would be.
      const nonEmpty = end.line > argPos.line || end.column > argPos.column ? end : { line: argPos.line, column: argPos.column + 1 };
      // The first argument is always kept: the call's own handling (include of cf.m4) needs it.
      if (call.args.length > 0 && !keep()) return;
      call.args.push({ text: unquote(stripDnl(raw)), span: { start: argPos, end: nonEmpty } });
    };
    const begin = (): void => {
      // m4 drops unquoted leading whitespace of each argument (and a dnl eats the rest of its line).
      for (;;) {
        while (i < text.length && /[ \t\n\r]/.test(text[i]!)) advance();
        if (text.startsWith('dnl', i) && !isWord(text[i + 3])) {
          skipToEol();
          continue;
        }
        break;
      }
      argStart = i;
      argPos = pos();
    };
    begin();
    while (i < text.length) {
      const c = text[i]!;
      if (c === '`') {
        if (!skipQuoted()) return false;
        continue;
      }
      if (c === '#' && hashComments) {
        skipToEol();
        continue;
      }
      if (isWordStart(c)) {
        // A name, read whole (`x4dnl` is one name; `4dnl` is 4 and dnl).
        const nameStart = i;
        while (isWord(text[i])) advance();
        if (i - nameStart === 3 && text.startsWith('dnl', nameStart)) {
          skipToEol();
          if (i < text.length) advance();
        }
        continue;
      }
      if (c === '(') depth++;
      else if (c === ')') {
        if (depth === 0) {
          finish();
          advance();
          return true;
        }
        depth--;
      } else if (c === ',' && depth === 0) {
        finish();
        advance();
        begin();
        continue;
      }
      advance();
    }
    doc.problems.push({ message: `unclosed "(" of ${call.name}: m4 reads to the end of the file`, span: { start: open, end: { line: open.line, column: open.column + 1 } } });
    return false;
  }
}

/** unquote as it was: a string appended per character. */
export function unquote(raw: string): string {
  let out = '';
  let depth = 0;
  for (const c of raw) {
    if (c === '`') {
      if (depth > 0) out += c;
      depth++;
    } else if (c === "'" && depth > 0) {
      depth--;
      if (depth > 0) out += c;
    } else out += c;
  }
  return out.trim();
}
