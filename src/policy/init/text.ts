import { jsonVisible, visibleControls } from '../../core/visible.js';

/** One line of a YAML comment: no line breaks, not too long, other control characters escaped. */
export const flat = (s: string, max = 120): string => {
  const one = visibleControls(s.replace(/[\r\n\t]+/g, ' '));
  return one.length > max ? `${one.slice(0, max - 1)}…` : one;
};

/**
 * A YAML scalar: plain when that reads back as the same string, else double-quoted (JSON is valid YAML;
 * the characters JSON leaves raw that a terminal or a reviewer's eye would act on are \u escapes).
 */
export function scalar(v: string | number | boolean): string {
  if (typeof v !== 'string') return String(v);
  const plain = /^[A-Za-z0-9_/.][A-Za-z0-9._/+-]*$/.test(v) && !/^(true|false|null|yes|no|on|off|y|n|~)$/i.test(v) && !/^[-+]?[0-9._]+([eE][-+]?[0-9]+)?$/.test(v) && !/^\.(inf|nan)$/i.test(v) && !/^0[xob]/i.test(v);
  return plain ? v : jsonVisible(JSON.stringify(v));
}

/** Always double-quoted, as scalar() quotes. */
export const scalarQuoted = (v: string): string => jsonVisible(JSON.stringify(v));

export const flow = (items: readonly (string | number)[]): string => `[${items.map(scalar).join(', ')}]`;

/** A list in a comment, at most `max` items. */
export function listed(items: readonly string[], max = 12): string {
  return items.length <= max ? items.join(', ') : `${items.slice(0, max).join(', ')} and ${items.length - max} more`;
}

/** Writes commented YAML line by line. */
export class YamlText {
  readonly lines: string[] = [];
  comment(text: string, indent = 0): void {
    const pad = ' '.repeat(indent);
    const width = 100 - indent;
    // The reasons quote the system's files: control characters are shown escaped.
    for (const para of visibleControls(text, 'lines').split('\n')) {
      let line = '';
      for (const word of para.split(' ')) {
        if (line && line.length + word.length + 1 > width) {
          this.lines.push(`${pad}# ${line}`);
          line = '  ';
        }
        line = line && line !== '  ' ? `${line} ${word}` : `${line}${word}`;
      }
      this.lines.push(`${pad}# ${line}`.trimEnd());
    }
  }
  key(name: string, value: string, indent = 0, note?: string): void {
    this.lines.push(`${' '.repeat(indent)}${name}:${value === '' ? '' : ` ${value}`}${note ? `  # ${flat(note)}` : ''}`);
  }
  /** A key left out, as a commented line the user can take in (when there is a value to suggest). */
  off(name: string, value: string | undefined, reason: string, indent = 0): void {
    this.comment(reason, indent);
    if (value !== undefined) this.lines.push(`${' '.repeat(indent)}# ${name}: ${visibleControls(jsonVisible(value))}`);
  }
  blank(): void {
    this.lines.push('');
  }
}

