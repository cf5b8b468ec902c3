/** JSON Schema of `mailharden apply --format json` (written to schemas/apply-plan.json by scripts/build-docs.ts). */

const digest = {
  type: ['object', 'null'],
  additionalProperties: false,
  required: ['sha256', 'size'],
  properties: {
    sha256: { type: 'string', pattern: '^[0-9a-f]{64}$', description: 'SHA-256 of the bytes as they are (before) or would be written (after).' },
    size: { type: 'integer', minimum: 0, description: 'Bytes.' },
  },
} as const;

const mode = { type: 'string', pattern: '^0[0-7]{3,4}$' } as const;

export const APPLY_PLAN_SCHEMA = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  $id: 'https://github.com/mailharden/mailharden/schemas/apply-plan.json',
  title: 'mailharden apply --format json',
  description: 'What apply planned (--dry-run) or did: one document on stdout, also when the run fails (then error is set and the exit code says why).',
  type: 'object',
  additionalProperties: false,
  required: ['mailharden', 'version', 'policy', 'root', 'dryRun', 'changed', 'status', 'exitCode', 'files', 'hostActions', 'commands', 'script', 'notes', 'summary', 'backup', 'ran', 'error'],
  properties: {
    mailharden: { type: 'string', description: 'The version of mailharden that wrote it.' },
    version: { const: 1, description: 'The version of this document\'s shape.' },
    policy: { type: 'string', description: 'The policy file as given.' },
    root: { type: 'string', description: 'The tree applied to (--root), `/` for the system.' },
    dryRun: { type: 'boolean' },
    changed: { type: 'boolean', description: 'A dry run: a real run would change the host. A real run: it changed the host.' },
    status: {
      enum: ['no-changes', 'planned', 'applied', 'verified', 'unverified', 'immutable', 'rejected', 'failed'],
      description: 'no-changes: the host matches the policy; planned: a dry run with changes pending; applied, verified (the real programs answer as the policy says), unverified (exit 7): a real run wrote; immutable (exit 5), rejected (exit 4): nothing written; failed: see error.',
    },
    exitCode: { type: 'integer', description: 'The exit code of the run (the table in README.md).' },
    files: {
      type: 'array',
      description: 'Every file the policy manages, changed or not.',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['path', 'artifact', 'kind', 'action', 'before', 'after', 'mode', 'uid', 'gid', 'user', 'group', 'immutable', 'stale', 'diff', 'beforeText', 'afterText'],
        properties: {
          path: { type: 'string', description: 'The path inside the tree (`/etc/mail/sendmail.cf`).' },
          artifact: { type: 'string', description: 'What the file is, for people.' },
          kind: { type: ['string', 'null'], description: 'The lint kind of the file (--type), null when lint does not read it.' },
          action: { enum: ['create', 'change', 'unchanged'] },
          before: { ...digest, description: 'The file now; null when it does not exist.' },
          after: { ...digest, type: 'object' },
          mode: { ...mode, description: 'The mode it is written with.' },
          uid: { type: 'integer' },
          gid: { type: 'integer' },
          user: { type: 'string', description: 'The owner\'s name in the tree\'s /etc/passwd (the number when none).' },
          group: { type: 'string', description: 'The group\'s name in the tree\'s /etc/group (the number when none).' },
          immutable: { type: 'boolean', description: 'The file has the immutable attribute (chattr +i).' },
          stale: { type: 'boolean', description: 'Its database is older than it: rebuilt though the text is unchanged.' },
          diff: { type: ['string', 'null'], description: 'The unified diff (null when unchanged).' },
          beforeText: { type: ['string', 'null'], description: 'Changed files: the text now ("" for a new file).' },
          afterText: { type: ['string', 'null'], description: 'Changed files: the text planned.' },
        },
      },
    },
    hostActions: {
      type: 'array',
      description: 'Changes beside file contents: smrsh links and removals, modes, attributes, owners, directories made.',
      items: {
        type: 'object',
        required: ['type', 'path', 'line'],
        properties: {
          type: { enum: ['link', 'remove', 'chmod', 'chattr', 'own', 'mkdir'] },
          path: { type: 'string' },
          hostPath: { type: 'string' },
          line: { type: 'string', description: 'The action as a command line, as the text output shows it.' },
        },
      },
    },
    commands: {
      type: 'array',
      description: 'The programs run after files change (newaliases, makemap, tcprules), none with --no-post-commands.',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['argv', 'stdin', 'why', 'file', 'line'],
        properties: {
          argv: { type: 'array', items: { type: 'string' }, minItems: 1 },
          stdin: { type: ['string', 'null'], description: 'The tree path given on stdin.' },
          why: { type: 'string' },
          file: { type: 'string', description: 'The file whose change runs it.' },
          line: { type: 'string' },
        },
      },
    },
    script: { type: 'array', items: { type: 'string' }, description: 'Every command of the plan as the text output lists it, in order.' },
    notes: { type: 'array', items: { type: 'string' }, description: 'Notes apply printed on stderr.' },
    summary: {
      type: 'object',
      additionalProperties: false,
      required: ['create', 'change', 'unchanged', 'hostActions'],
      properties: {
        create: { type: 'integer', minimum: 0 },
        change: { type: 'integer', minimum: 0 },
        unchanged: { type: 'integer', minimum: 0 },
        hostActions: { type: 'integer', minimum: 0 },
      },
    },
    backup: { type: ['string', 'null'], description: 'A real run: its run directory (for rollback); null for a dry run or --no-backup.' },
    ran: { type: ['object', 'null'], additionalProperties: { type: 'integer' }, description: 'A real run that finished its steps: the host actions that ran, by kind.' },
    error: { type: ['string', 'null'], description: 'Why the run stopped, when it did.' },
  },
} as const;
