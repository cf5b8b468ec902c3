/** The version comment help() honours: `#vers`, a TAB, then a number read with %d (srvrsmtp.c HELPVSTR). */
const VERS = /^#vers\t\s*([+-]?\d+)/;
/** Macros that expand to the version: $v (sendmail's) and $Z (the cf's DZ line); `$$` is a literal dollar. */
const VERSION_MACRO = /\$\$|\$[vZ]/g;
/** A version number written out next to the program's name. */
const LITERAL = /\bsendmail\b.*?\b\d+\.\d+\.\d+/i;

/** A line of a help file through which HELP tells the client the sendmail version. */
export type HelpLeak =
  /** HELP prints "This is Sendmail version …" before this line (the first smtp line): no `#vers 2` before it. */
  | { kind: 'prepended'; line: number; length: number; /** The `#vers` number read, -1 when there is none. */ vers: number }
  /** `$v` or `$Z` at a column (1-based), expanded because the file says `#vers 2`. */
  | { kind: 'macro'; line: number; column: number; macro: string }
  /** The line names a sendmail version in so many words. */
  | { kind: 'literal'; line: number; length: number };

/**
 * The lines of a help file that show the version, in order, as help() reads the file (srvrsmtp.c):
 * only the first "#vers<TAB>n" comment counts; the version line is printed at the first line matching
 * the topic ("smtp" for a bare HELP) unless n >= 2 by then; macros are expanded only when n >= 2,
 * otherwise "$v" is shown as it is. MH6008 reports each; init asks whether there is any.
 */
export function helpFileLeaks(text: string): HelpLeak[] {
  const out: HelpLeak[] = [];
  let vers = -1;
  let seenSmtp = false;
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.replace(/\r$/, '');
    const lineNo = i + 1;
    if (line.startsWith('#')) {
      const m = vers < 0 ? VERS.exec(line) : null;
      if (m) vers = Number(m[1]);
      continue;
    }
    // A line starting with a blank matches no topic a client can type, so HELP never shows it.
    if (line === '' || /^\s/.test(line)) continue;
    if (!seenSmtp && line.startsWith('smtp')) {
      seenSmtp = true;
      if (vers < 2) out.push({ kind: 'prepended', line: lineNo, length: line.length, vers });
    }
    let macroSeen = false;
    if (vers >= 2) {
      for (const m of line.matchAll(VERSION_MACRO)) {
        if (m[0] === '$$') continue;
        macroSeen = true;
        out.push({ kind: 'macro', line: lineNo, column: m.index + 1, macro: m[0] });
      }
    }
    if (!macroSeen && LITERAL.test(line)) out.push({ kind: 'literal', line: lineNo, length: line.length });
  }
  return out;
}

/** Why HELP shows the version with this help file, for init's comment; undefined when it does not. */
export function helpVersion(text: string): string | undefined {
  const leak = helpFileLeaks(text)[0];
  if (leak?.kind === 'prepended') return 'no "#vers<TAB>2" line, so HELP prints the version first';
  if (leak?.kind === 'macro') return 'it names $v or $Z';
  if (leak?.kind === 'literal') return 'it names a sendmail version';
  return undefined;
}
