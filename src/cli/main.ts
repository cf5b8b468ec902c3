#!/usr/bin/env node
import { Command, CommanderError, Option } from 'commander';
import { UserError } from '../core/errors.js';
import { EXIT, type ExitCode } from '../core/exit.js';
import { FILE_KINDS } from '../core/types.js';
import { PROFILES } from '../host/layout.js';
import { VERSION } from '../paths.js';
import { visibleControls } from '../core/visible.js';
import { writeStdout } from './stdout.js';


function collect(value: string, previous: string[] = []): string[] {
  return [...previous, ...value.split(',').map((s) => s.trim()).filter(Boolean)];
}

async function main(argv: string[]): Promise<ExitCode> {
  let code: ExitCode = EXIT.ok;
  const program = new Command('mailharden')
    .description('Lint and harden sendmail and qmail configuration')
    .version(VERSION, '-V, --version')
    .showHelpAfterError()
    .exitOverride();
  program.configureOutput({ writeOut: (s) => writeStdout(s), writeErr: (s) => process.stderr.write(s) });

  // Each command's definition, by name. A run that names its command (`mailharden lint ...`) defines
  // only that one: commander's setup of the other commands' options is start-up time spent for nothing
  // (docs/performance.md). Any other run (help, --version, an unknown command) defines them all, in this order.
  const commands: Record<string, () => void> = {
    lint: () => {
      program
        .command('lint')
        .description('audit sendmail.cf, sendmail.mc, aliases, access and tcp.smtp files, or a whole system with --root')
        .argument('[paths...]', 'files or directories (walked; kinds found by file name); none: the system under --root (default /)')
        .addOption(new Option('--type <kind>', 'force the file kind').choices([...FILE_KINDS]))
        .option('--root <dir>', 'lint the system laid out under DIR as "/": its mail files, modes, owners and attributes')
        .addOption(new Option('--profile <name>', 'the layout of the system under --root (detected when absent)').choices([...PROFILES]))
        .option('-f, --format <format[=file]>', 'text, compact, json, sarif, github, junit, codeclimate, xccdf or html; repeatable, =FILE writes to a file', (v: string, p: string[] = []) => [...p, v])
        .option('--fail-on <severity>', 'exit 1 when a finding is at or above: critical, high, medium, low, info, none', 'medium')
        .option('--select <ids>', 'only these rules (ids or slugs, comma-separated, * wildcards)', collect)
        .option('--ignore <ids>', 'skip these rules (ids or slugs, comma-separated, * wildcards)', collect)
        .option('--config <file>', 'use this .mailharden.yaml instead of searching from each file upwards')
        .option('--no-config', 'use no configuration file')
        .option('--no-inline-suppressions', 'ignore # mailharden-disable directives in the linted files')
        .option('--skip-unknown', 'skip (and list) files given by name whose kind cannot be told, instead of exit 2 (for pre-commit)')
        .option('--baseline <file>', 'accept the findings listed in this baseline (default: .mailharden-baseline.json here, when there is one)')
        .option('--no-baseline', 'use no baseline')
        .option('--color <when>', 'auto, always or never (auto honours NO_COLOR, FORCE_COLOR and whether stdout is a terminal)', 'auto')
        .action(async (paths: string[], opts: Record<string, unknown>) => {
          const { runLint } = await import('./lint-command.js');
          code = await runLint(paths, opts, VERSION);
        });
    },
    apply: () => {
      program
        .command('apply')
        .description('render a policy into the mail configuration: diffs first, then validated, backed-up, atomic writes')
        .argument('<policy>', 'the policy (YAML)')
        .option('--dry-run', 'print the plan (unified diffs and commands) and write nothing')
        .option('--diff', 'without --dry-run: print the unified diffs too (a real run names each file it writes)')
        .option('--exit-code', 'with --dry-run: exit 1 when changes are pending (a drift check for CI)')
        .option('--root <dir>', 'apply to the tree laid out under DIR as "/" (a config repository, a chroot)', '/')
        .option('--backup-dir <dir>', 'the directory of runs: each run\'s copies of the old files and its manifest go to DIR/<timestamp> (default: ROOT/var/backups/mailharden)')
        .option('--no-backup', 'keep no copies and no manifest (then the run cannot be rolled back)')
        .option('--keep <n>', 'after the run, keep only the newest N run directories (default: all)')
        .option('--no-validate', 'do not check candidates with sendmail, m4, makemap and tcprules')
        .option('--allow-chattr', 'clear the immutable bit of files to change, and set it again afterwards')
        .option('--no-post-commands', 'do not run newaliases, makemap or tcprules after the files change')
        .option('--files-only', 'manage file contents only: no smrsh links, queue mode or attributes (config repositories)')
        .option('--script <file>', 'also write the plan\'s commands as a POSIX shell script')
        .option('-f, --format <format>', 'text, or json: one JSON document on stdout (schemas/apply-plan.json): files with hashes and diffs, host actions, commands, changed', 'text')
        .option('--reload', 'when sendmail.cf changed, send the running sendmail daemon SIGHUP and check that it answers again (root / only)')
        .action(async (file: string, opts: Record<string, unknown>) => {
          const { runApply } = await import('./apply-command.js');
          code = await runApply(file, opts);
        });
    },
    rollback: () => {
      program
        .command('rollback')
        .description('undo an apply run from its backup: files, links, modes, databases and immutable bits as they were, checked and verified; or list the runs')
        .argument('[run]', 'the run to undo (its directory name, as --list shows it); default: the newest apply run not rolled back')
        .option('--list', 'list the runs, newest first: id, time, policy, what changed')
        .option('--root <dir>', 'the tree the run acted on, as apply\'s --root', '/')
        .option('--backup-dir <dir>', 'the directory of runs, as apply\'s --backup-dir (default: ROOT/var/backups/mailharden)')
        .option('--dry-run', 'print what would be restored and write nothing')
        .option('--force', 'restore files that changed after the run too, and roll back a run rolled back already')
        .option('--allow-chattr', 'clear the immutable bit of files to restore, and set the bits as they were before the run')
        .action(async (run: string | undefined, opts: Record<string, unknown>) => {
          const { runRollback } = await import('./rollback-command.js');
          code = await runRollback(run, opts);
        });
    },
    init: () => {
      program
        .command('init')
        .description('write a starter policy, or (--from-system) one derived from the files in force, so that apply changes nothing on day one')
        .option('-o, --output <file>', 'write the policy to FILE instead of stdout')
        .option('--force', 'with -o: replace FILE if it exists')
        .option('--from-system', 'derive the policy from the current sendmail and qmail files')
        .option('--root <dir>', 'with --from-system: the system laid out under DIR as "/" (default /)')
        .addOption(new Option('--profile <name>', 'with --from-system: the layout of the system (detected when absent)').choices([...PROFILES]))
        .action(async (opts: Record<string, unknown>) => {
          const { runInit } = await import('./init-command.js');
          code = await runInit(opts);
        });
    },
    policy: () => {
      program
        .command('policy')
        .description('work with a policy file')
        .command('validate')
        .description('check a policy file against the schema and the semantic rules; every problem as file:line:col')
        .argument('<file>', 'the policy (YAML)')
        .action(async (file: string) => {
          const { loadPolicy } = await import('../policy/validate.js');
          await loadPolicy(file);
          writeStdout(`${file}: valid\n`);
        });
    },
    probe: () => {
      program
        .command('probe')
        .description('ask a running SMTP, POP3 or IMAP server what it reveals and allows: versions, VRFY, EXPN, relaying, logins before TLS, its TLS certificate and protocol versions')
        .argument('<target>', '[SCHEME://]HOST, HOST:PORT or [IPv6]:PORT; SCHEME smtp (port 25, the default), smtps (465), submission (587), pop3 (110), pop3s (995), imap (143), imaps (993); only this host is contacted')
        .option('--port <port>', 'the port (instead of HOST:PORT)')
        .option('--timeout <seconds>', 'for the connection and for each reply', '10')
        .option('--helo <name>', 'the name given in EHLO/HELO', 'probe.mailharden.invalid')
        .option('--user <name>', 'the local name asked about with VRFY and EXPN', 'root')
        .option('--relay-test <from,to>', 'the relay attempt\'s sender and outside recipient (no message is ever sent)')
        .option('--transcript <file>', 'also write the dialogue to FILE')
        .option('--starttls-injection', 'also test STARTTLS command injection (CVE-2011-0411): STARTTLS and RSET in one write, on a connection of its own')
        .option('--ca <file>', 'CA certificates (PEM) to trust besides the system\'s, for judging the server\'s certificate')
        .option('-f, --format <format[=file]>', 'text, compact, json, sarif, github, junit, codeclimate, xccdf or html; repeatable, =FILE writes to a file', (v: string, p: string[] = []) => [...p, v])
        .option('--fail-on <severity>', 'exit 1 when a finding is at or above: critical, high, medium, low, info, none', 'medium')
        .option('--color <when>', 'auto, always or never', 'auto')
        .action(async (target: string, opts: Record<string, unknown>) => {
          const { runProbe } = await import('./probe-command.js');
          code = await runProbe(target, opts, VERSION);
        });
    },
    baseline: () => {
      const baseline = program.command('baseline').description('the baseline of accepted findings, for adopting mailharden on an existing fleet');
      baseline
        .command('write')
        .description('lint as `lint` does and write every unsuppressed finding into the baseline (keyed by file, rule and what it is about, not by line)')
        .argument('[paths...]', 'files or directories; none: the system under --root (default /)')
        .option('-o, --output <file>', 'the baseline file', '.mailharden-baseline.json')
        .addOption(new Option('--type <kind>', 'force the file kind').choices([...FILE_KINDS]))
        .option('--root <dir>', 'the system laid out under DIR as "/"')
        .addOption(new Option('--profile <name>', 'the layout of the system under --root (detected when absent)').choices([...PROFILES]))
        .option('--select <ids>', 'only these rules (ids or slugs, comma-separated, * wildcards)', collect)
        .option('--ignore <ids>', 'skip these rules (ids or slugs, comma-separated, * wildcards)', collect)
        .option('--config <file>', 'use this .mailharden.yaml instead of searching from each file upwards')
        .option('--no-config', 'use no configuration file')
        .action(async (paths: string[], opts: Record<string, unknown>) => {
          const { runBaselineWrite } = await import('./baseline-command.js');
          code = await runBaselineWrite(paths, opts, VERSION);
        });
      baseline
        .command('prune')
        .description('lint what the baseline was written for again and drop the entries that match nothing now')
        .option('-o, --output <file>', 'the baseline file', '.mailharden-baseline.json')
        .action(async (opts: Record<string, unknown>) => {
          const { runBaselinePrune } = await import('./baseline-command.js');
          code = await runBaselinePrune(opts, VERSION);
        });
    },
    'collect-script': () => {
      program
        .command('collect-script')
        .description('print a POSIX sh script that packs a host\'s mail files and their metadata into one .tar.gz, for `lint --root FILE.tar.gz` where mailharden is not installed')
        .action(async () => {
          const { collectScript } = await import('../host/collect-script.js');
          const { loadTemplates } = await import('../render/templates.js');
          writeStdout(collectScript(await loadTemplates(), VERSION));
        });
    },
    schema: () => {
      program
        .command('schema')
        .description('print the JSON Schema of the policy file (for editors)')
        .action(async () => {
          const { POLICY_SCHEMA } = await import('../policy/schema.js');
          writeStdout(`${JSON.stringify(POLICY_SCHEMA, null, 2)}\n`);
        });
    },
    rules: () => {
      program
        .command('rules')
        .description('list the rules, print one rule\'s documentation, or the benchmark coverage')
        .argument('[rule]', 'a rule id or slug')
        .option('--coverage', 'which published benchmark items each rule covers')
        .option('--format <format>', 'text, json, md, or xccdf (an XCCDF 1.2 benchmark of every rule)', 'text')
        .action(async (rule: string | undefined, opts: { coverage?: boolean; format: string }) => {
          const { runRules } = await import('./rules-command.js');
          code = await runRules(rule, opts);
        });
    },
    tcprules: () => {
      const tcprules = program.command('tcprules').description('tcpserver rules: the tcp.smtp files that tcprules compiles');
      tcprules
        .command('explain')
        .description('which line of a tcp.smtp file decides a connection from each address, and what it sets (as tcprulescheck prints it)')
        .argument('<file>', 'the tcprules source, e.g. /etc/tcp.smtp')
        .argument('<ips...>', 'client IPv4 addresses')
        .option('--host <name>', 'the client\'s reverse DNS name (TCPREMOTEHOST)')
        .option('--info <user>', 'the client\'s ident user name (TCPREMOTEINFO)')
        .option('--format <format>', 'text or json', 'text')
        .action(async (file: string, ips: string[], opts: { host?: string; info?: string; format: string }) => {
          const { runTcprulesExplain } = await import('./tcprules-command.js');
          code = runTcprulesExplain(file, ips, opts);
        });
    },
  };
  const named = argv[0] !== undefined && Object.hasOwn(commands, argv[0]) ? commands[argv[0]] : undefined;
  if (named) named();
  else for (const define of Object.values(commands)) define();

  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help') return EXIT.ok;
      return EXIT.usage;
    }
    throw e;
  }
  return code;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    // An error can quote a file, a server or a program's output: control characters are shown escaped.
    if (e instanceof UserError) {
      process.stderr.write(`mailharden: ${visibleControls(e.message, e.multiline ? 'lines' : 'nothing')}\n`);
      process.exitCode = e.exitCode;
    } else {
      const err = e as Error;
      process.stderr.write(`mailharden: internal error: ${visibleControls(err?.message ?? String(e))}\n`);
      if (process.env.MAILHARDEN_DEBUG) process.stderr.write(`${err?.stack ?? ''}\n`);
      process.exitCode = EXIT.runtime;
    }
  },
);
