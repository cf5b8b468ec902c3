import type { RuleKind, RuleMeta } from './rule.js';

/**
 * The language of the fenced examples in a rule's documentation, by what the rule looks at, and what
 * such a block holds. The tests lint each example as that: a file of the kind, a system tree built
 * and linted with --root (`tree`), or a probe transcript (`smtp`, `pop3`, `imap`).
 */
export const EXAMPLE_LANGUAGES: Record<RuleKind, { language: string; holds: string }> = {
  'sendmail-cf': { language: 'sendmail-cf', holds: 'lines of a sendmail.cf' },
  'sendmail-mc': { language: 'sendmail-mc', holds: 'lines of a sendmail.mc (m4 input)' },
  aliases: { language: 'aliases', holds: 'entries of an aliases file' },
  access: { language: 'access', holds: 'entries of the access map source' },
  'tcp-rules': { language: 'tcp-rules', holds: 'rules of a tcp.smtp file (the tcprules source)' },
  'qmail-control': { language: 'tree', holds: 'a system tree holding the control file: what a control file means depends on its name under control/' },
  'qmail-run': { language: 'qmail-run', holds: 'a qmail-smtpd run script' },
  host: { language: 'tree', holds: 'a system tree, one entry a line (see "Host rules" below)' },
  probe: { language: 'smtp', holds: "an SMTP dialogue: the client's lines `C: …`, the server's `S: …`, the TLS layer's `T: …`; POP3 and IMAP rules use `pop3` and `imap` blocks" },
};

/** The fence languages of probe examples: one per protocol the probe speaks (the transcript's protocol). */
export const PROBE_LANGUAGES = ['smtp', 'pop3', 'imap'] as const;

/** A fenced example of a rule's documentation: its section, its fence language and its text. */
export interface DocExample {
  section: 'Incorrect' | 'Correct';
  kind: string;
  code: string;
}

/** The fenced examples under the `## Incorrect` and `## Correct` headings of a rule's prose. */
export function docExamples(text: string): DocExample[] {
  const out: DocExample[] = [];
  let section = '';
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const h = /^## (.+)$/.exec(lines[i]!);
    if (h) {
      section = h[1]!.trim();
      continue;
    }
    const fence = /^```([\w-]+)\s*$/.exec(lines[i]!);
    if (fence && (section === 'Incorrect' || section === 'Correct')) {
      const body: string[] = [];
      for (i++; i < lines.length && lines[i] !== '```'; i++) body.push(lines[i]!);
      out.push({ section, kind: fence[1]!, code: `${body.join('\n')}\n` });
    }
  }
  return out;
}

/** The generated header of a rule's documentation page, from its metadata. */
export function ruleDocHeader(meta: RuleMeta): string {
  const rows: [string, string][] = [
    ['Severity', meta.severity],
    ['Applies to', meta.kinds.join(', ')],
    ['Tags', meta.tags.join(', ') || '—'],
    ['References', meta.references.join(', ') || '—'],
    ['Suppressible', meta.suppressible === false ? 'no' : 'yes'],
    ['Fix', meta.fix],
  ];
  return [
    `# ${meta.id} ${meta.slug}`,
    '',
    '<!-- Generated from the rule metadata and its prose file by `npm run docs`; edit those, not this. -->',
    '',
    `${meta.description}`,
    '',
    '| | |',
    '|---|---|',
    ...rows.map(([k, v]) => `| ${k} | ${v.replace(/\|/g, '\\|')} |`),
    '',
  ].join('\n');
}

/** The rule list as a Markdown table (README and docs/rules/README.md). */
export function ruleTable(metas: readonly RuleMeta[], link: (id: string) => string): string {
  const lines = ['| Id | Slug | Severity | Applies to | Description |', '|---|---|---|---|---|'];
  for (const m of metas) lines.push(`| [${m.id}](${link(m.id)}) | ${m.slug} | ${m.severity} | ${m.kinds.join(', ')} | ${m.description.replace(/\|/g, '\\|')} |`);
  return `${lines.join('\n')}\n`;
}

/** Benchmark items → the rules that cover them, as rows sorted by source and item. */
export function coverageRows(metas: readonly RuleMeta[]): { source: string; item: string; rules: string[] }[] {
  const map = new Map<string, string[]>();
  for (const m of metas) for (const ref of m.references) map.set(ref, [...(map.get(ref) ?? []), m.id]);
  return [...map]
    .map(([ref, rules]) => {
      const at = ref.indexOf(':');
      return { source: ref.slice(0, at), item: ref.slice(at + 1), rules };
    })
    .sort((a, b) => a.source.localeCompare(b.source) || a.item.localeCompare(b.item, undefined, { numeric: true }));
}
