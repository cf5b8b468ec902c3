/**
 * What the m4 files an .mc pulls in (OSTYPE, DOMAIN, FEATURE) do to the macros that become cf
 * options, the daemons and the local and prog mailers, read from Debian's sendmail-cf 8.17.1.9
 * (/usr/share/sendmail/cf) for the files the stock .mc of Debian, FreeBSD and Fedora/RHEL use.
 * Each entry replays the file's define/undefine/ifdef lines in order; what the rules never read
 * (mailer flags, rulesets, class files) is left out. test/m4-agreement.test.ts builds every stock
 * .mc with the real m4 and checks that the rules find the same on the .mc as on the cf.
 */

/** What an included m4 file can do while the .mc is read, in the order it does it. */
export interface M4Effects {
  /** The macro's value, or undefined when it is not defined. */
  get(macro: string): string | undefined;
  /** `define(macro, value)`. */
  define(macro: string, value: string): void;
  /**
   * `ifdef(macro,, define(macro, value))`: only when it is not defined yet. A function is a value
   * written quoted, so m4 expands it only when the cf is written, with the macros as they are then.
   */
  otherwise(macro: string, value: string | ((get: (macro: string) => string | undefined) => string)): void;
  /** `undefine(macro)`. */
  undefine(macro: string): void;
  /** `DAEMON_OPTIONS(value)`. */
  daemon(value: string): void;
  /** True when a DAEMON_OPTIONS came before (m4's `_DPO_` is not empty). */
  hasDaemons(): boolean;
  /** A nested `FEATURE(name)`. */
  feature(name: string): void;
  /** `MAILER(local)`: the prog and local mailers are written with the macros as they are now. */
  mailerLocal(): void;
}

type Include = (m: M4Effects, args: readonly string[]) => void;

/** `ifdef(confEBINDIR, confEBINDIR, /usr/libexec)`: where smrsh and mail.local are looked for. */
const ebindir = (m: M4Effects): string => m.get('confEBINDIR') ?? '/usr/libexec';

/** The first `:`-separated part of a user spec (msp.m4 takes confTRUSTED_USER from confRUN_AS_USER so). */
const userPart = (spec: string): string => (spec.includes(':') ? spec.slice(0, spec.indexOf(':')) : spec);

/** sendmail-cf's autoconf.m4 on Debian 12 says sm_version_math=528641 (8.17.1): every `>=` test below holds. */
const DEBIAN_DONT_BLAME = ',AssumeSafeChown,ForwardFileInGroupWritableDirPath,GroupWritableForwardFileSafe,GroupWritableIncludeFileSafe,IncludeFileInGroupWritableDirPath,DontWarnForwardFileInUnsafeDirPath,TrustStickyBit,NonRootSafeAddr,GroupWritableIncludeFile,GroupReadableDefaultAuthInfoFile';

/** The m4 files by `OSTYPE:name`, `DOMAIN:name` and `FEATURE:name`. */
export const M4_INCLUDES: ReadonlyMap<string, Include> = new Map<string, Include>([
  // cf/ostype/debian.m4
  [
    'OSTYPE:debian',
    (m) => {
      m.otherwise('MAIL_SETTINGS_DIR', '/etc/mail/');
      m.define('confSMTP_LOGIN_MSG', '$j Sendmail $v/$Z; $b; (No UCE/UBE) $?{client_addr}logging access from: ${client_name}(${client_resolve})-$_$.');
      m.define('confDEAD_LETTER_DROP', '/var/lib/sendmail/dead.letter');
      m.define('STATUS_FILE', '/var/lib/sendmail/sendmail.st');
      m.define('confEBINDIR', '/usr/libexec/sendmail');
      m.define('confMUST_QUOTE_CHARS', ".'");
      m.define('confME_TOO', 'True');
      m.define('confDEF_USER_ID', 'mail:mail');
      m.define('LOCAL_MAILER_PATH', '/usr/sbin/sensible-mda');
      m.define('LOCAL_MAILER_ARGS', 'sensible-mda $g $u $h ${client_addr}');
      m.define('PROCMAIL_MAILER_PATH', '/usr/bin/procmail');
      // sm_enable_ipv6 is `yes' in Debian's autoconf.m4.
      m.define('confBIND_OPTS', '+WorkAroundBrokenAAAA');
    },
  ],
  // cf/ostype/linux.m4 (Fedora and RHEL use it)
  [
    'OSTYPE:linux',
    (m) => {
      m.define('confEBINDIR', '/usr/sbin');
      m.otherwise('PROCMAIL_MAILER_PATH', '/usr/bin/procmail');
      m.feature('local_procmail');
    },
  ],
  // cf/ostype/freebsd6.m4
  [
    'OSTYPE:freebsd6',
    (m) => {
      m.otherwise('STATUS_FILE', '/var/log/sendmail.st');
      m.otherwise('LOCAL_MAILER_PATH', '/usr/libexec/mail.local');
      m.otherwise('LOCAL_MAILER_ARGS', 'mail $u');
    },
  ],
  // cf/domain/generic.m4 (FreeBSD's freebsd.mc)
  [
    'DOMAIN:generic',
    (m) => {
      m.define('confFORWARD_PATH', '$z/.forward.$w+$h:$z/.forward+$h:$z/.forward.$w:$z/.forward');
      m.define('confMAX_HEADERS_LENGTH', '32768');
      m.feature('redirect');
      m.feature('use_cw_file');
    },
  ],
  // cf/domain/debian-mta.m4
  [
    'DOMAIN:debian-mta',
    (m) => {
      m.define('STATUS_FILE', '/var/lib/sendmail/sendmail.st');
      m.define('confPID_FILE', '/var/run/sendmail/mta/sendmail.pid');
      m.define('confCONTROL_SOCKET_NAME', '/var/run/sendmail/mta/smcontrol');
      m.define('confPROCESS_TITLE_PREFIX', 'MTA');
      m.define('confMAX_DAEMON_CHILDREN', '0');
      m.define('confRRT_IMPLIES_DSN', 'False');
      m.define('confSAFE_FILE_ENV', '/');
      m.define('confSAFE_QUEUE', 'True');
      m.define('confTO_ICONNECT', '2m');
      m.define('confTO_MAIL', '2m');
      m.define('confTO_DATAINIT', '2m');
      m.define('confTO_RSET', '1m');
      m.define('confTO_QUIT', '2m');
      m.define('confTO_COMMAND', '5m');
      m.define('confTO_IDENT', '5s');
      m.define('confMAX_HOP', '100');
      m.define('confDONT_BLAME_SENDMAIL', `${m.get('confDONT_BLAME_SENDMAIL') ?? ''}${DEBIAN_DONT_BLAME}`);
      m.define('confQUEUE_FILE_MODE', '0640');
      m.define('confTEMP_FILE_MODE', '0640');
      m.define('confPRIVACY_FLAGS', 'restrictqrun,restrictexpand');
      m.otherwise('confTRUSTED_USER', 'smmta');
      m.define('confMAX_RUNNERS_PER_QUEUE', '5');
    },
  ],
  // cf/domain/debian-msp.m4 (Debian's submit.mc)
  [
    'DOMAIN:debian-msp',
    (m) => {
      m.define('confCF_VERSION', 'Submit');
      m.define('MSP_QUEUE_DIR', '/var/spool/mqueue-client');
      m.define('STATUS_FILE', '/var/lib/sendmail/sm-client.st');
      m.define('confHOST_STATUS_DIRECTORY', '');
      m.define('confPID_FILE', '/var/run/sendmail/msp/sendmail.pid');
      m.define('confCONTROL_SOCKET_NAME', '/var/run/sendmail/msp/smcontrol');
      m.define('confPROCESS_TITLE_PREFIX', 'MSP');
      m.define('confRRT_IMPLIES_DSN', 'False');
      m.define('confSAFE_FILE_ENV', '/');
      m.define('confSAFE_QUEUE', 'True');
      m.define('confQUEUE_FILE_MODE', '0660');
      m.define('confTEMP_FILE_MODE', '0640');
      m.define('confTO_ICONNECT', '2s');
      m.define('confTO_MAIL', '2m');
      m.define('confTO_DATAINIT', '2m');
      m.define('confTO_RSET', '1m');
      m.define('confTO_QUIT', '2m');
      m.define('confTO_COMMAND', '5m');
      m.define('confTO_IDENT', '5s');
      m.define('confTO_HOSTSTATUS', '0');
      m.feature('no_default_msa');
      m.define('confRUN_AS_USER', 'smmsp');
      m.define('confTRUSTED_USER', 'smmsp');
    },
  ],
  // cf/feature/msp.m4: the mail submission program, which hands every message to the MTA at _ARG_.
  [
    'FEATURE:msp',
    (m) => {
      m.undefine('ALIAS_FILE');
      m.define('confDELIVERY_MODE', 'i');
      m.define('confUSE_MSP', 'True');
      m.define('confFORWARD_PATH', '');
      m.define('confPRIVACY_FLAGS', 'goaway,noetrn,restrictqrun');
      m.define('confDONT_PROBE_INTERFACES', 'True');
      m.otherwise('confRUN_AS_USER', 'smmsp');
      // Quoted in msp.m4: a confRUN_AS_USER defined after FEATURE(`msp') still counts.
      m.otherwise('confTRUSTED_USER', (get) => userPart(get('confRUN_AS_USER') ?? ''));
      const queue = m.get('MSP_QUEUE_DIR') ?? '/var/spool/clientmqueue';
      m.define('QUEUE_DIR', queue);
      m.otherwise('confPID_FILE', `${queue}/sm-client.pid`);
      m.define('confQUEUE_FILE_MODE', '0660');
      const status = m.get('STATUS_FILE');
      if (status === undefined) m.define('STATUS_FILE', `${queue}/sm-client.st`);
      else if (status.includes('sendmail.st')) m.define('STATUS_FILE', `${status.slice(0, status.indexOf('sendmail.st'))}sm-client.st`);
      m.feature('no_default_msa');
      if (!m.hasDaemons()) m.daemon('Name=NoMTA, Addr=127.0.0.1, M=E');
      m.define('LOCAL_MAILER_PATH', '[IPC]');
      m.define('LOCAL_MAILER_ARGS', 'TCP $h');
      m.define('LOCAL_SHELL_PATH', '[IPC]');
      m.define('LOCAL_SHELL_ARGS', 'TCP $h');
      m.mailerLocal();
    },
  ],
  // cf/feature/nullclient.m4: every message goes to the hub; no aliases, no .forward.
  [
    'FEATURE:nullclient',
    (m) => {
      m.undefine('ALIAS_FILE');
      m.define('confFORWARD_PATH', '');
      m.otherwise('confFROM_HEADER', '<$g>');
      m.feature('allmasquerade');
      m.feature('masquerade_envelope');
      m.mailerLocal();
    },
  ],
  // cf/feature/smrsh.m4
  [
    'FEATURE:smrsh',
    (m, args) => {
      m.define('LOCAL_SHELL_PATH', args[0] ? args[0] : `${ebindir(m)}/smrsh`);
      m.otherwise('LOCAL_SHELL_ARGS', 'smrsh -c $u');
    },
  ],
  // cf/feature/local_lmtp.m4
  [
    'FEATURE:local_lmtp',
    (m, args) => {
      m.define('LOCAL_MAILER_PATH', args[0] ? args[0] : `${ebindir(m)}/mail.local`);
      m.define('LOCAL_MAILER_ARGS', args[1] ? args[1] : 'mail.local -l');
    },
  ],
  // cf/feature/local_procmail.m4
  [
    'FEATURE:local_procmail',
    (m, args) => {
      m.define('LOCAL_MAILER_PATH', args[0] ? args[0] : (m.get('PROCMAIL_MAILER_PATH') ?? '/usr/local/bin/procmail'));
      m.define('LOCAL_MAILER_ARGS', args[1] ? args[1] : 'procmail -a $h -d $u');
    },
  ],
]);

/** The effects of `OSTYPE(name)`, `DOMAIN(name)` or `FEATURE(name)`, or undefined when they are not modelled. */
export function includeEffects(macro: string, name: string): Include | undefined {
  return M4_INCLUDES.get(`${macro}:${name}`);
}
