import type { RuleMeta } from './rule.js';

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
