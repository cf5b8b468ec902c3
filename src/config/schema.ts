/** JSON Schema of `.mailharden.yaml`, the lint configuration (validated with ajv when one is found). */
export const CONFIG_SCHEMA = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  $id: 'https://github.com/mailharden/mailharden/schemas/config.json',
  title: 'mailharden lint configuration (.mailharden.yaml)',
  type: 'object',
  additionalProperties: false,
  properties: {
    select: { description: 'Only these rules (ids or slugs, `*` wildcards).', type: 'array', items: { type: 'string', pattern: '^[A-Za-z0-9*-]+$' } },
    ignore: { description: 'Rules switched off (ids or slugs, `*` wildcards).', type: 'array', items: { type: 'string', pattern: '^[A-Za-z0-9*-]+$' } },
    rules: {
      description: 'Per-rule severity, or `off`.',
      type: 'object',
      propertyNames: { pattern: '^[A-Za-z0-9-]+$' },
      additionalProperties: { enum: ['critical', 'high', 'medium', 'low', 'info', 'off'] },
    },
    settings: {
      type: 'object',
      additionalProperties: false,
      properties: {
        'local-only': { description: 'The MTA must listen on loopback only (CIS 2.1.21): raises MH1042 to medium.', type: 'boolean' },
        'smrsh-allow': {
          description: 'The programs the smrsh directory may hold (absolute paths or names; smrsh looks them up by name): MH6005 reports any other entry.',
          type: 'array',
          items: { type: 'string', pattern: '^[A-Za-z0-9_./+-]+$' },
        },
      },
    },
    ignores: {
      description: 'Suppressions for files that cannot hold comments, by path glob relative to this file.',
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['path', 'rules', 'reason'],
        properties: {
          path: { description: 'Glob relative to this file (`*`, `**`, `?`); a trailing / means everything below.', type: 'string', minLength: 1, pattern: '^[^/]' },
          rules: { type: 'array', minItems: 1, items: { type: 'string', pattern: '^[A-Za-z0-9-]+$' } },
          reason: { type: 'string', minLength: 3 },
          until: { type: 'string', pattern: '^\\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\\d|3[01])$' },
        },
      },
    },
  },
} as const;

/** The configuration after validation. */
export interface LintConfig {
  select?: string[];
  ignore?: string[];
  rules?: Record<string, string>;
  settings?: { 'local-only'?: boolean; 'smrsh-allow'?: string[] };
  ignores?: { path: string; rules: string[]; reason: string; until?: string }[];
}
