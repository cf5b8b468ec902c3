import { PRIVACY_FLAGS } from '../model/sendmail-options.js';

/** SASL mechanisms a policy may name (Cyrus SASL's; libsasl2-modules has PLAIN, LOGIN, CRAM-MD5, DIGEST-MD5, ANONYMOUS). */
export const AUTH_MECHANISMS = ['PLAIN', 'LOGIN', 'CRAM-MD5', 'DIGEST-MD5', 'EXTERNAL', 'GSSAPI', 'SCRAM-SHA-1', 'SCRAM-SHA-256', 'OTP', 'NTLM'] as const;

/** Absolute, normalised paths: no `..`, no `//`, no trailing slash, only characters safe in a shell word. */
const ABSOLUTE_PATH = '^(/(?!\\.\\.?(/|$))[A-Za-z0-9._+-]+)+$';
/** A host or domain name (an optional leading dot for "and subdomains" where said). */
const HOST_NAME = '^(?=.{1,253}$)([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(\\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$';
const DOMAIN = '^\\.?(?=.{1,253}$)([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(\\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$';
const FILE_NAME = '^[A-Za-z0-9][A-Za-z0-9._+-]*$';
const ALIAS_NAME = '^[A-Za-z0-9][A-Za-z0-9._+-]*$';
/** An address or local name an alias may point at: no blanks, quotes, commas, pipes or `#`. */
const ALIAS_TARGET = '^[A-Za-z0-9._+-]+(@[A-Za-z0-9.-]+)?$';

/** One place of ForwardPath: a path that may use sendmail macros ($z, $w, $u, ${name}); no `:`, which separates them. */
const FORWARD_ITEM = '^[A-Za-z0-9$._/+{}-]+$';
/**
 * A Received: header: sendmail macro text, no quote, backtick, `#`, backslash or control character (m4
 * and the cf take it as text), no blank at either end (the cf's reader drops those).
 */
const RECEIVED_HEADER = '^[A-Za-z0-9$?|.,:;()_+@/={}<>!&%*-]([A-Za-z0-9 $?|.,:;()_+@/={}<>!&%*-]*[A-Za-z0-9$?|.,:;()_+@/={}<>!&%*-])?$';
/** A client network of abuse.clients: a CIDR, or an access map address key (octets, `IPv6:` and groups). */
const CLIENT_NETWORK = '^([0-9A-Fa-f.:]+/[0-9]{1,3}|[0-9]{1,3}(\\.[0-9]{1,3}){0,3}|[Ii][Pp][Vv]6:[0-9A-Fa-f:]+)$';
/** A value an accept entry names: one word, no quote, backtick, `#`, backslash, control or bidi character. */
const ACCEPT_VALUE = '^[^\\s\\x00-\\x1f\\x7f-\\x9f\\u200e\\u200f\\u2028-\\u202e\\u2066-\\u2069#\'"`\\\\]+$';
/** An accept entry's reason: one line of text with a word in it, no quote, backtick, `#`, backslash, control or bidi character. */
const ACCEPT_REASON = '^[^\\x00-\\x1f\\x7f-\\x9f\\u200e\\u200f\\u2028-\\u202e\\u2066-\\u2069#\'"`\\\\]*[^\\s\\x00-\\x1f\\x7f-\\x9f\\u200e\\u200f\\u2028-\\u202e\\u2066-\\u2069#\'"`\\\\][^\\x00-\\x1f\\x7f-\\x9f\\u200e\\u200f\\u2028-\\u202e\\u2066-\\u2069#\'"`\\\\]*$';

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
        mailerDaemon: { description: 'Where mail to MAILER-DAEMON goes (replies to bounces; MH2005).', type: 'string', maxLength: 254, pattern: ALIAS_TARGET },
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
      properties: {
        'require-tls': { description: 'Offer AUTH PLAIN/LOGIN only after STARTTLS (AuthOptions p).', type: 'boolean' },
        mechanisms: { description: 'The SASL mechanisms offered (AuthMechanisms, confAUTH_MECHANISMS) and trusted for relaying (class TrustAuthMech, TRUST_AUTH_MECH). DIGEST-MD5 and CRAM-MD5 are historic (RFC 6331).', type: 'array', minItems: 1, uniqueItems: true, items: { enum: [...AUTH_MECHANISMS] } },
        msa: { description: 'A message submission daemon on port 587 (RFC 6409) that requires AUTH (DaemonPortOptions Name=MSA, M=Ea): added when the cf has none on submission, else given M=Ea.', type: 'boolean' },
      },
    },
    tls: {
      description: 'sendmail STARTTLS: the certificate options, the oldest protocol version, the ciphers and the Diffie-Hellman parameters. The key file is made root\'s, mode 0600 (sendmail refuses a key others can read and silently offers no STARTTLS).',
      type: 'object',
      additionalProperties: false,
      properties: {
        certFile: { description: 'ServerCertFile and ClientCertFile: the certificate (PEM).', type: 'string', maxLength: 255, pattern: ABSOLUTE_PATH },
        keyFile: { description: 'ServerKeyFile and ClientKeyFile: the private key (PEM); apply makes it root\'s, mode 0600.', type: 'string', maxLength: 255, pattern: ABSOLUTE_PATH },
        caFile: { description: 'CACertFile: the CA certificates sent to and trusted from clients.', type: 'string', maxLength: 255, pattern: ABSOLUTE_PATH },
        caPath: { description: 'CACertPath: a directory of hashed CA certificates. Without it sendmail 8.17 logs "STARTTLS: CACertPath missing" and offers no STARTTLS.', type: 'string', maxLength: 255, pattern: ABSOLUTE_PATH },
        minProtocol: { description: 'The oldest protocol accepted as server and client: ServerSSLOptions and ClientSSLOptions turn off every older one (SSL_OP_NO_SSLv2 … SSL_OP_NO_TLSv1_1; RFC 8996).', enum: ['TLSv1.2', 'TLSv1.3'] },
        cipherList: { description: 'CipherList: an OpenSSL cipher string.', type: 'string', minLength: 1, maxLength: 400, pattern: '^[A-Za-z0-9!+@:_.=-]+$' },
        dhParameters: {
          description: 'DHParameters: 2048 (sendmail\'s own precomputed 2048-bit group, DHParameters=i); the path of a PEM file of parameters made with openssl dhparam, owned by root and not writable by others; or {generate: PATH, bits: 2048|3072|4096}: apply writes that file (root\'s, mode 0644) with a well-known safe-prime group (RFC 3526 MODP group 14, 15 or 16) unless it already holds valid parameters of at least 2048 bits, and points DHParameters at it.',
          oneOf: [
            { const: 2048 },
            { type: 'string', maxLength: 255, pattern: ABSOLUTE_PATH },
            {
              type: 'object',
              additionalProperties: false,
              required: ['generate'],
              properties: {
                generate: { description: 'Where the parameters file is written.', type: 'string', maxLength: 255, pattern: ABSOLUTE_PATH },
                bits: { description: 'The size of the group written (2048 by default).', enum: [2048, 3072, 4096] },
              },
            },
          ],
        },
      },
    },
    abuse: {
      description: 'sendmail controls against abusive clients.',
      type: 'object',
      additionalProperties: false,
      properties: {
        greetPause: { description: 'FEATURE(greet_pause)\'s default: seconds sendmail waits before its greeting; a client that talks first is answered 554 (cf/README). 0 turns the pause off. Access entries GreetPause:<address or name> still set it per client (Debian\'s GreetPause:127 0 for loopback); a bare GreetPause: entry is not read (measured with sendmail 8.17.1.9).', type: 'integer', minimum: 0, maximum: 300 },
        clients: {
          description: 'Limits per client network: each entry has a network (an IPv4 or IPv6 CIDR, or an access map address key such as 10.1 or IPv6:2001:db8), and a rate (connections opened in ConnectionRateWindowSize, 60 seconds by default), connections (held open at once) or both; 0 is no limit, one connection more is refused 421. Written as ClientRate: and ClientConn: entries in mailharden\'s block of the access map, with FEATURE(ratecontrol) and FEATURE(conncontrol) in the .mc (cf/README, CONNECTION CONTROL; a cf without their rulesets is noted, not edited). Where two networks overlap, the more specific one\'s limits win.',
          type: 'array',
          maxItems: 1000,
          items: {
            type: 'object',
            additionalProperties: false,
            required: ['network'],
            minProperties: 2,
            properties: {
              network: { description: 'An IPv4 or IPv6 CIDR, or an access map address key (10.1, IPv6:2001:db8).', type: 'string', minLength: 1, maxLength: 50, pattern: CLIENT_NETWORK },
              rate: { description: 'Connections the client may open in ConnectionRateWindowSize (60 seconds by default); one more is refused 421.', type: 'integer', minimum: 0, maximum: 1000000 },
              connections: { description: 'Connections the client may hold open at once; one more is refused 421.', type: 'integer', minimum: 0, maximum: 100000 },
            },
          },
        },
        clientDefault: {
          description: 'The limits of every client no entry of clients names (the bare ClientRate: and ClientConn: access entries).',
          type: 'object',
          additionalProperties: false,
          minProperties: 1,
          properties: {
            rate: { description: 'Connections a client may open in ConnectionRateWindowSize (60 seconds by default); 0 is no limit.', type: 'integer', minimum: 0, maximum: 1000000 },
            connections: { description: 'Connections a client may hold open at once; 0 is no limit.', type: 'integer', minimum: 0, maximum: 100000 },
          },
        },
      },
    },
    milters: {
      description: 'sendmail mail filters (INPUT_MAIL_FILTER and MAIL_FILTER in the .mc, X lines in the cf).',
      type: 'object',
      additionalProperties: false,
      properties: {
        failMode: { description: 'What sendmail does with mail while a filter cannot be reached: tempfail (F=T, 451 at MAIL) or reject (F=R, the session is refused); set on every filter. Without either flag mail passes unfiltered (MH1093).', enum: ['tempfail', 'reject'] },
      },
    },
    forwardPath: {
      description: 'sendmail ForwardPath: where .forward files are looked for, in order ($z the home directory, $w the host name, $u the user); [] reads none (MH1015).',
      type: 'array',
      items: { type: 'string', minLength: 1, maxLength: 255, pattern: FORWARD_ITEM },
    },
    dontBlameSendmail: {
      description: 'sendmail DontBlameSendmail flags: [safe] (or []) keeps every file safety check (MH1018); each other flag turns one off.',
      type: 'array',
      uniqueItems: true,
      items: { type: 'string', maxLength: 64, pattern: '^[A-Za-z][A-Za-z0-9]*$' },
    },
    unsafeGroupWrites: { description: 'sendmail UnsafeGroupWrites: true (its default) treats group-writable .forward and :include: files as unsafe (MH1019): the cf lines and the deprecated confUNSAFE_GROUP_WRITES define are removed; false writes False.', type: 'boolean' },
    receivedHeader: { description: 'The Received: header sendmail adds (confRECEIVED_HEADER), without $v or $Z (MH1022).', type: 'string', minLength: 1, maxLength: 400, pattern: RECEIVED_HEADER },
    limits: {
      description: 'sendmail limits of what one client or message may take (MH1023); each a positive whole number.',
      type: 'object',
      additionalProperties: false,
      properties: {
        maxDaemonChildren: { description: 'MaxDaemonChildren: SMTP sessions served at once.', type: 'integer', minimum: 1, maximum: 100000 },
        connectionRateThrottle: { description: 'ConnectionRateThrottle: new connections a second.', type: 'integer', minimum: 1, maximum: 100000 },
        maxRecipientsPerMessage: { description: 'MaxRecipientsPerMessage: recipients of one message.', type: 'integer', minimum: 1, maximum: 1000000 },
        badRcptThrottle: { description: 'BadRcptThrottle: unknown recipients a client may try before each is slowed down.', type: 'integer', minimum: 1, maximum: 100000 },
        maxMessageSize: { description: 'MaxMessageSize: bytes of one message.', type: 'integer', minimum: 1, maximum: 2147483647 },
        maxHeadersLength: { description: 'MaxHeadersLength: bytes of all the headers of a message (sendmail answers 552 above it; 0, which turns the check off, is not allowed: MH1094).', type: 'integer', minimum: 1, maximum: 2147483647 },
        maxMimeHeaderLength: { description: 'MaxMimeHeaderLength: the longest value of certain MIME headers (class checkMIMETextHeaders), and of each of their parameters: a number N (parameters N/2, op.me) or "N/M".', oneOf: [{ type: 'integer', minimum: 1, maximum: 2147483647 }, { type: 'string', maxLength: 21, pattern: '^[1-9][0-9]{0,9}/[1-9][0-9]{0,9}$' }] },
        maxQueueChildren: { description: 'MaxQueueChildren: queue runners at once.', type: 'integer', minimum: 1, maximum: 100000 },
        refuseLA: { description: 'RefuseLA: the load average at which SMTP connections are refused (above queueLA when both are set).', type: 'integer', minimum: 1, maximum: 10000 },
        queueLA: { description: 'QueueLA: the load average at which mail is queued, not delivered at once.', type: 'integer', minimum: 1, maximum: 10000 },
        minFreeBlocks: { description: 'MinFreeBlocks: free blocks the queue file system keeps; below it SMTP mail is refused (452).', type: 'integer', minimum: 1, maximum: 2147483647 },
        maxNoopCommands: { description: 'MaxNOOPCommands: commands that do nothing (NOOP, VERB, ETRN, HELP…) a client may send before sendmail slows down.', type: 'integer', minimum: 1, maximum: 100000 },
      },
    },
    runAsUser: { description: 'sendmail RunAsUser: the user (user:group, or uid) the daemon runs as after it has opened its sockets; not root (MH1020). Needs a local mailer that does not rely on root.', type: 'string', minLength: 1, maxLength: 65, pattern: '^[A-Za-z0-9_][A-Za-z0-9._-]*(:[A-Za-z0-9_][A-Za-z0-9._-]*)?$' },
    safeFileEnvironment: { description: 'sendmail SafeFileEnvironment: the directory deliveries to files are confined to (a chroot), not / (MH1020).', type: 'string', maxLength: 255, pattern: ABSOLUTE_PATH },
    qmail: {
      description: 'What apply writes for qmail (with mta: [qmail]): control files, the qmail-smtpd run script and its log, the owners and modes of the qmail tree. The aliases key also writes ~alias/.qmail-postmaster, -root and -mailer-daemon, and removes ~alias/.qmail-NAME for each name it strips; relay.domains writes rcpthosts and morercpthosts.',
      type: 'object',
      additionalProperties: false,
      properties: {
        greeting: { description: 'control/smtpgreeting: what qmail-smtpd sends after 220 (it appends " ESMTP" itself): the host name and plain words, no software name or version (MH4009, MH4017).', type: 'string', minLength: 1, maxLength: 200, pattern: '^[A-Za-z0-9][A-Za-z0-9 .,:;()_+@/-]*[A-Za-z0-9.)]$|^[A-Za-z0-9]$' },
        databytes: { description: 'control/databytes: the largest message qmail-smtpd accepts, in bytes (MH4008, MH4018).', type: 'integer', minimum: 1, maximum: 2147483647 },
        hier: { description: "Give the qmail tree the owners and modes of qmail's hier.c (MH4044) and make the control directory, its files and the tcp.smtp files root's and not writable by others (MH4011).", type: 'boolean' },
        smtpd: {
          description: 'The qmail-smtpd service: apply writes its run script whole (tcpserver -v -R with the rules cdb, the numeric ids of the user, a connection limit, a memory limit, the rcpthosts guard) and its log/run (multilog or svlogd as the log user, who owns the log directory). MH4005-MH4007, MH4040-MH4042.',
          type: 'object',
          additionalProperties: false,
          properties: {
            user: { description: 'The user qmail-smtpd runs as: tcpserver -u and -g get its uid and primary gid from the tree\'s /etc/passwd (qmaild by default; never root).', type: 'string', minLength: 1, maxLength: 32, pattern: '^[a-z_][a-z0-9_-]*$' },
            address: { description: 'The IPv4 address tcpserver listens on (0, the default, is every address).', type: 'string', maxLength: 15, pattern: '^(0|((25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])\\.){3}(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9]))$' },
            port: { description: 'The TCP port (25 by default).', type: 'integer', minimum: 1, maximum: 65535 },
            connections: { description: 'tcpserver -c: SMTP sessions served at once (40 by default).', type: 'integer', minimum: 1, maximum: 10000 },
            memory: { description: 'Bytes of address space each qmail-smtpd may use (ulimit -v; 20000000 by default): the defence against CVE-2005-1513 (MH4040).', type: 'integer', minimum: 4000000, maximum: 1099511627776 },
            logDir: { description: 'The directory the logger writes, under /var/log (/var/log/qmail/smtpd by default); made if missing, owned by the log user, mode 0750.', type: 'string', maxLength: 255, pattern: '^/var/log(/(?!\\.\\.?(/|$))[A-Za-z0-9._+-]+)+$' },
            replace: { description: 'Replace a current run script even when it does things the written one does not (another listener such as sslserver, rblsmtpd or other programs before qmail-smtpd, arguments of qmail-smtpd such as SMTP AUTH\'s checkpassword, exported variables such as QMAILQUEUE): without it such a script is left as it is, with a note naming what it would lose.', type: 'boolean' },
            logUser: { description: 'The user the logger runs as (qmaill by default; never root).', type: 'string', minLength: 1, maxLength: 32, pattern: '^[a-z_][a-z0-9_-]*$' },
          },
        },
      },
    },
    accept: {
      description: 'Findings the site has decided to live with: apply does not refuse a file for them, and writes a mailharden-disable-next-line suppression with the reason before the line concerned, so lint shows them suppressed. Each entry covers one rule for one value only.',
      type: 'array',
      uniqueItems: true,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['rule', 'value', 'reason'],
        properties: {
          rule: { description: 'The rule id (MH3001).', type: 'string', pattern: '^MH[0-9]{4}$' },
          value: { description: 'What the finding is about: a network as a CIDR (MH3001, MH5002), or the value its message quotes (Connect:10.1).', type: 'string', minLength: 1, maxLength: 255, pattern: ACCEPT_VALUE },
          reason: { description: 'Why, who decided and when: written into the file after the suppression.', type: 'string', minLength: 3, maxLength: 200, pattern: ACCEPT_REASON },
        },
      },
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
  aliases?: { strip?: string[]; postmaster?: string; root?: string; mailerDaemon?: string };
  greeting?: string;
  help?: boolean;
  logLevel?: number;
  listen?: 'local-only' | 'all';
  queue?: { mode?: string };
  immutable?: string[];
  auth?: { 'require-tls'?: boolean; mechanisms?: (typeof AUTH_MECHANISMS)[number][]; msa?: boolean };
  tls?: TlsPolicy;
  abuse?: { greetPause?: number; clients?: ClientLimit[]; clientDefault?: { rate?: number; connections?: number } };
  milters?: { failMode?: 'tempfail' | 'reject' };
  forwardPath?: string[];
  dontBlameSendmail?: string[];
  unsafeGroupWrites?: boolean;
  receivedHeader?: string;
  limits?: LimitsPolicy;
  runAsUser?: string;
  safeFileEnvironment?: string;
  accept?: { rule: string; value: string; reason: string }[];
  qmail?: QmailPolicy;
}

/** One entry of abuse.clients. */
export interface ClientLimit {
  network: string;
  rate?: number;
  connections?: number;
}

/** The policy's limits section. */
export interface LimitsPolicy {
  maxDaemonChildren?: number;
  connectionRateThrottle?: number;
  maxRecipientsPerMessage?: number;
  badRcptThrottle?: number;
  maxMessageSize?: number;
  maxHeadersLength?: number;
  maxMimeHeaderLength?: number | string;
  maxQueueChildren?: number;
  refuseLA?: number;
  queueLA?: number;
  minFreeBlocks?: number;
  maxNoopCommands?: number;
}

/** The policy's tls section. */
export interface TlsPolicy {
  certFile?: string;
  keyFile?: string;
  caFile?: string;
  caPath?: string;
  minProtocol?: 'TLSv1.2' | 'TLSv1.3';
  cipherList?: string;
  dhParameters?: 2048 | string | { generate: string; bits?: 2048 | 3072 | 4096 };
}

/** The policy's qmail section. */
export interface QmailPolicy {
  greeting?: string;
  databytes?: number;
  hier?: boolean;
  smtpd?: { user?: string; address?: string; port?: number; connections?: number; memory?: number; logDir?: string; logUser?: string; replace?: boolean };
}
