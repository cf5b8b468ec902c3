import { visibleControls } from '../core/visible.js';

/**
 * What XML 1.0 cannot hold at all, even as a character reference (§2.2 Char): the C0 controls but
 * TAB, LF and CR, lone surrogates, U+FFFE and U+FFFF. visibleControls() has escaped C0 and the
 * surrogates of bytes that are not UTF-8; this catches the rest.
 */
const NOT_XML = /[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/gu;
const NOT_XML_TEST = new RegExp(NOT_XML.source, 'u');

const ENTITY: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };

/**
 * Text from a config file, a file name or a message, for XML element content or an attribute value:
 * control and bidirectional characters shown as escapes (`\x1b`, as every human output shows them),
 * what XML cannot hold as `\uNNNN`, then the five markup characters as entities (so `]]>` and a quote
 * end nothing). `keep: 'lines'` leaves newlines for element text of several lines.
 */
export function xmlText(s: string, keep: 'nothing' | 'lines' = 'nothing'): string {
  let v = visibleControls(s, keep);
  if (NOT_XML_TEST.test(v)) v = v.replace(NOT_XML, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  return v.replace(/[&<>"']/g, (c) => ENTITY[c]!);
}

/** An element's attributes from a list of name and value pairs (values escaped; undefined ones left out). */
export function xmlAttrs(attrs: Record<string, string | number | undefined>): string {
  return Object.entries(attrs)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => ` ${k}="${xmlText(String(v))}"`)
    .join('');
}
