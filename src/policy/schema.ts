import { PRIVACY_FLAGS } from '../model/sendmail-options.js';

/** Absolute, normalised paths: no `..`, no `//`, no trailing slash, only characters safe in a shell word. */
const ABSOLUTE_PATH = '^(/(?!\\.\\.?(/|$))[A-Za-z0-9._+-]+)+$';
/** A host or domain name (an optional leading dot for "and subdomains" where said). */
const HOST_NAME = '^(?=.{1,253}$)([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(\\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$';
const DOMAIN = '^\\.?(?=.{1,253}$)([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(\\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$';
const FILE_NAME = '^[A-Za-z0-9][A-Za-z0-9._+-]*$';
const ALIAS_NAME = '^[A-Za-z0-9][A-Za-z0-9._+-]*$';
/** An address or local name an alias may point at: no blanks, quotes, commas, pipes or `#`. */
const ALIAS_TARGET = '^[A-Za-z0-9._+-]+(@[A-Za-z0-9.-]+)?$';

/**
 * The JSON Schema of the policy file: the single source of its shape (`mailharden schema` prints it,
 * editors use it through `# yaml-language-server: $schema=…`). Values are constrained here: none
 * holds a newline, `#`, a backtick or a quote; paths and names, which also reach the plan script,
 * hold no `;`, `$`, parentheses or `..` either (the greeting may hold `;`, `$` and parentheses, which
 * are text in its config line). The checks a schema cannot express (CIDR ranges, forbidden smrsh
 * programs, the greeting's first word) follow in src/policy/validate.ts.
 */
export const POLICY_SCHEMA = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  $id: 'https://github.com/mailharden/mailharden/schemas/policy.json',
  title: 'mailharden policy',
  type: 'object',
  additionalProperties: false,
  required: ['version'],
  properties: {
    $schema: { type: 'string' },
    version: { description: 'Policy format version.', const: 1 },
    profile: { description: 'Path defaults of the system.', enum: ['debian', 'rhel', 'freebsd', 'solaris'] },
    paths: {
      description: 'Overrides of the profile\'s paths.',
      type: 'object',
      additionalProperties: false,
      properties: {
        mailDir: { type: 'string', maxLength: 255, pattern: ABSOLUTE_PATH },
        aliases: { type: 'string', maxLength: 255, pattern: ABSOLUTE_PATH },
        smrshDir: { type: 'string', maxLength: 255, pattern: ABSOLUTE_PATH },
        mqueue: { type: 'string', maxLength: 255, pattern: ABSOLUTE_PATH },
        qmailDir: { type: 'string', maxLength: 255, pattern: ABSOLUTE_PATH },
        tcpRules: { type: 'string', maxLength: 255, pattern: ABSOLUTE_PATH },
      },
    },
    mta: { description: 'The MTAs to harden.', type: 'array', minItems: 1, uniqueItems: true, items: { enum: ['sendmail', 'qmail'] } },
    hostname: { description: 'The fully qualified host name (the greeting\'s first word).', type: 'string', maxLength: 253, pattern: HOST_NAME },
    relay: {
      type: 'object',
      additionalProperties: false,
      properties: {
        networks: { description: 'Clients allowed to relay (IPv4 and IPv6 CIDRs).', type: 'array', uniqueItems: true, items: { type: 'string', maxLength: 43, pattern: '^[0-9A-Fa-f.:]+/[0-9]{1,3}$' } },
        domains: { description: 'Domains the server accepts mail for (a leading dot: and their subdomains).', type: 'array', uniqueItems: true, items: { type: 'string', maxLength: 254, pattern: DOMAIN } },
      },
    },
    privacy: { description: 'sendmail PrivacyOptions flags.', type: 'array', uniqueItems: true, items: { enum: [...PRIVACY_FLAGS.keys()] } },
    smrsh: {
      type: 'object',
      additionalProperties: false,
      properties: {
        allow: { description: 'Programs linked into the smrsh directory (absolute paths).', type: 'array', uniqueItems: true, items: { type: 'string', maxLength: 255, pattern: ABSOLUTE_PATH } },
      },
    },
    aliases: {
      type: 'object',
      additionalProperties: false,
      properties: {
        strip: { description: 'Aliases to remove.', type: 'array', uniqueItems: true, items: { type: 'string', maxLength: 64, pattern: ALIAS_NAME } },
        postmaster: { description: 'Where postmaster mail goes.', type: 'string', maxLength: 254, pattern: ALIAS_TARGET },
        root: { description: 'Where root mail goes.', type: 'string', maxLength: 254, pattern: ALIAS_TARGET },
      },
    },
    greeting: { description: 'SmtpGreetingMessage: no version, no newline or #, no m4 macro parameter ($0 to $9, $@); the first word $j or the host name.', type: 'string', minLength: 1, maxLength: 200, pattern: '^[A-Za-z0-9$ .,:;()_+@/-]+$' },
    help: { description: 'Write a help file without version text and point HelpFile at it.', type: 'boolean' },
    logLevel: { description: 'sendmail LogLevel (9 or more keeps the connection and relay records audits ask for).', type: 'integer', minimum: 0, maximum: 99 },
    listen: { description: 'Where the MTA listens.', enum: ['local-only', 'all'] },
    queue: {
      type: 'object',
      additionalProperties: false,
      properties: { mode: { description: 'Mode of the queue directory.', type: 'string', pattern: '^0?[0-7]{3}$' } },
    },
    immutable: { description: 'Managed files to mark immutable (chattr +i) after writing.', type: 'array', uniqueItems: true, items: { type: 'string', maxLength: 64, pattern: FILE_NAME } },
    auth: {
      type: 'object',
      additionalProperties: false,
      properties: { 'require-tls': { description: 'Offer AUTH PLAIN/LOGIN only after STARTTLS (AuthOptions p).', type: 'boolean' } },
    },
  },
} as const;

/** A validated policy (the shape POLICY_SCHEMA allows; test/policy.test.ts keeps the two in step). */
export interface Policy {
  $schema?: string;
  version: 1;
  profile?: 'debian' | 'rhel' | 'freebsd' | 'solaris';
  paths?: { mailDir?: string; aliases?: string; smrshDir?: string; mqueue?: string; qmailDir?: string; tcpRules?: string };
  mta?: ('sendmail' | 'qmail')[];
  hostname?: string;
  relay?: { networks?: string[]; domains?: string[] };
  privacy?: string[];
  smrsh?: { allow?: string[] };
  aliases?: { strip?: string[]; postmaster?: string; root?: string };
  greeting?: string;
  help?: boolean;
  logLevel?: number;
  listen?: 'local-only' | 'all';
  queue?: { mode?: string };
  immutable?: string[];
  auth?: { 'require-tls'?: boolean };
}
