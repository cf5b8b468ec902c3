import { legacyAliasNames } from '../../model/aliases.js';
import { POLICY_SCHEMA } from '../schema.js';

/** The first line of every policy init writes: editors find the schema through it. */
export const SCHEMA_LINE = `# yaml-language-server: $schema=${POLICY_SCHEMA.$id}`;

/** The PrivacyOptions flags of the starter policy (init --from-system suggests them too). */
export const STARTER_PRIVACY = ['authwarnings', 'noexpn', 'novrfy', 'noetrn', 'restrictmailq', 'restrictqrun', 'needmailhelo'];

/**
 * A commented starter policy: every key of the schema, with hardening defaults. Keys whose value only
 * the site knows (its host name, the domains it receives for, where root's mail goes, path overrides)
 * are written commented out.
 */
export function starterPolicy(): string {
  return `${SCHEMA_LINE}
# mailharden policy: the hardened state of a mail host, stated once. Preview what it changes with
#   mailharden apply policy.yaml --dry-run
# and check it with \`mailharden policy validate policy.yaml\`. Every key but version is optional:
# what the policy leaves out, apply leaves alone.

# The policy format version.
version: 1

# Where the system keeps its files: debian, rhel, freebsd or solaris (mailharden lint --root detects it).
profile: debian

# Overrides of the profile's paths (absolute paths), for systems laid out differently, e.g.:
#   mailDir: /etc/mail             sendmail.cf, sendmail.mc, access, helpfile, relay-domains
#   aliases: /etc/aliases          the aliases source sendmail reads
#   smrshDir: /etc/mail/smrsh      the programs smrsh may run
#   mqueue: /var/spool/mqueue      sendmail's queue directory
#   qmailDir: /var/qmail           qmail's home (control/ under it)
#   tcpRules: /etc/tcp.smtp        the tcpserver rules of qmail-smtpd
paths: {}

# The MTAs to harden: [sendmail], [qmail] or both.
mta: [sendmail]

# The fully qualified host name; a greeting may start with it instead of $j.
# hostname: mail.example.com

relay:
  # Clients that may relay (IPv4 and IPv6 CIDRs): written to sendmail's access map (Connect: RELAY)
  # and qmail's tcp.smtp (RELAYCLIENT). Other relay entries there are removed. Add your LAN, e.g. 192.168.10.0/24.
  networks: [127.0.0.0/8, "::1/128"]
  # Domains this host receives mail for (a leading dot: their subdomains): sendmail's relay-domains
  # and qmail's control/rcpthosts.
  # domains: [example.com, .example.com]

# sendmail's PrivacyOptions: no EXPN, VRFY or ETRN, queue listing and runs for root only, HELO first,
# and an X-Authentication-Warning header on forged senders.
privacy: [${STARTER_PRIVACY.join(', ')}]

smrsh:
  # The only programs aliases and .forward files may run (links in the smrsh directory); never a
  # shell, an interpreter, sed, awk, cat, tee or uudecode. Add e.g. /usr/bin/procmail when used.
  allow: [/usr/libexec/sendmail/mail.local]

aliases:
  # Aliases to remove: the classic ones that nobody reads.
  strip: [${legacyAliasNames().join(', ')}]
  # Where postmaster's mail goes (RFC 5321: it must be read).
  postmaster: root
  # Where root's mail goes: a person who reads it.
  # root: admin@example.com
  # Where mail to MAILER-DAEMON (replies to bounces) goes.
  mailerDaemon: postmaster

# The SMTP greeting (SmtpGreetingMessage): no version, no software name; sendmail puts "ESMTP" after $j.
greeting: "$j"

# Install a help file without version text and point HelpFile at it (without one, HELP shows the version).
help: true

# sendmail's LogLevel: 9 or more keeps the connection and relay records audits ask for.
logLevel: 9

# local-only: every daemon bound to loopback (CIS); all: a server that receives mail from other hosts.
listen: local-only

# Mode of sendmail's queue directory: only its owner may read the queued mail.
queue: { mode: "0700" }

# Managed files to mark immutable (chattr +i) after writing, e.g. [sendmail.cf, sendmail.mc, aliases, access];
# later applies then need --allow-chattr, and package upgrades cannot replace them.
immutable: []

auth:
  # Offer AUTH PLAIN and LOGIN only after STARTTLS (AuthOptions p): no passwords in clear text.
  require-tls: true
  # The SASL mechanisms offered and trusted for relaying (they need a SASL setup, saslauthd or sasldb),
  # and a submission daemon on port 587 that requires AUTH (M=Ea, RFC 6409). E.g.:
  # mechanisms: [PLAIN, LOGIN]
  # msa: true

# STARTTLS: the certificate and key (apply makes the key root's, mode 0600: sendmail silently offers no
# STARTTLS when others can read it), the CA file and directory (without CACertPath sendmail 8.17 offers
# no STARTTLS either), TLS 1.2 at least (RFC 8996; flags the SSL options already set stay), the ciphers,
# the Diffie-Hellman parameters (2048: sendmail's own group; { generate: /etc/mail/tls/dh.pem } writes a
# file of RFC 3526's 2048-bit group and points DHParameters at it). E.g.:
# tls:
#   certFile: /etc/mail/tls/sendmail.crt
#   keyFile: /etc/mail/tls/sendmail.key
#   caFile: /etc/mail/tls/ca.crt
#   caPath: /etc/ssl/certs
#   minProtocol: TLSv1.2
#   cipherList: "HIGH:!aNULL:!eNULL:!MD5:!RC4:!3DES"
#   dhParameters: 2048

# Seconds sendmail waits before its greeting (FEATURE(greet_pause)): a client that talks first, as
# spam software does, is answered 554. Per client network, connections a minute (rate) and at once
# (connections), written to the access map for FEATURE(ratecontrol) and FEATURE(conncontrol); 0 is no
# limit, and one more connection is refused 421:
abuse:
  greetPause: 1
  # clients: [{ network: 127.0.0.0/8, rate: 0, connections: 0 }]
  # clientDefault: { rate: 10, connections: 10 }

# Mail filters (milters): while one is down, mail waits (tempfail, F=T) instead of passing unfiltered.
milters: { failMode: tempfail }

# Where sendmail looks for users' .forward files (ForwardPath); [] reads none, so no user can make
# sendmail run a program or write a file for them.
forwardPath: []

# DontBlameSendmail: [safe] keeps every file safety check.
dontBlameSendmail: [safe]

# UnsafeGroupWrites: true (sendmail's default) treats group-writable .forward and :include: files as unsafe.
unsafeGroupWrites: true

# The Received: header sendmail adds to each message, without the version ($v/$Z).
receivedHeader: "$?sfrom $s $.$?_($?s$|from $.$_) $.by $j id $i$?u for $u; $|; $.$b"

# Limits sendmail otherwise leaves off: sessions at once, connections a second, recipients of a
# message, unknown recipients before each is slowed down, bytes of a message. Fit them to the site.
limits: { maxDaemonChildren: 40, connectionRateThrottle: 15, maxRecipientsPerMessage: 100, badRcptThrottle: 3, maxMessageSize: 10485760 }
# More of them, left to sendmail's defaults here (the load averages default to 8 and 12 times the
# processors): bytes of all headers, of a MIME header value/of each parameter, queue runners at once,
# load averages at which mail is queued and connections refused, free blocks kept, useless commands:
# limits: { maxHeadersLength: 32768, maxMimeHeaderLength: "2048/1024", maxQueueChildren: 10, queueLA: 8, refuseLA: 12, minFreeBlocks: 100, maxNoopCommands: 20 }

# The user the daemon runs as once it has its sockets (RunAsUser); it needs a local mailer that does
# not rely on root, so it is left to the site:
# runAsUser: mailnull

# The directory deliveries to files are confined to (SafeFileEnvironment, a chroot):
# safeFileEnvironment: /var/mail/safe

# For qmail (with mta: [qmail]): the greeting (no software name), the largest message, hier.c's owners
# and modes, and the qmail-smtpd service (run script and log) written whole. E.g.:
# qmail:
#   greeting: mail.example.com
#   databytes: 20971520
#   hier: true
#   smtpd: { user: qmaild, connections: 40, memory: 20000000, logDir: /var/log/qmail/smtpd, logUser: qmaill }

# Findings the site has decided to live with, each for one rule and one value, with the reason (apply
# writes it into the file as a suppression); the gate's refusal names the rule and value. E.g.:
# accept:
#   - rule: MH3001
#     value: 10.1.0.0/16
#     reason: "campus network, reviewed 2026-12 by J. Doe"
`;
}
