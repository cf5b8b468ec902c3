import { defineRule } from '../../src/core/rule.js';
import { classFiles, classFileWords } from '../../src/model/class-files.js';

/** The accounts sendmail and Debian trust by default (proto.m4 `Troot`, `Tdaemon`, `Tuucp`) and the mail system's own. */
const SYSTEM_TRUSTED = new Set(['root', 'daemon', 'uucp', 'smmsp', 'mail']);

/** The most a class file is read. */
const MAX_BYTES = 1 << 20;

export default defineRule({
  meta: {
    id: 'MH6018',
    slug: 'trusted-users',
    kinds: ['host'],
    description: 'A file sendmail reads into class t (trusted-users, from an Ft line) should name only root, daemon, uucp, smmsp or mail: every user in it can send mail in anyone\'s name with sendmail -f, and no X-Authentication-Warning header shows it.',
    severity: 'medium',
    tags: ['host', 'spoofing'],
    references: ['sendmail-cf-README:use_ct_file', 'CWE:290'],
    messages: {
      trusted: '{file} (class t, read by {cf}) names "{user}": {user} can set any sender with sendmail -f, and the message carries no X-Authentication-Warning saying so',
    },
    fix: 'remove the user from the file; a mailing list manager that must set senders can run as a system account or submit through SMTP with authentication',
  },
  check(host, ctx) {
    const seen = new Set<string>();
    // The MSP (submit.cf) is what a user's `sendmail -f` runs; the MTA's cf is read by root's and the daemon's.
    for (const name of ['sendmail.cf', 'submit.cf']) {
      const cfPath = `${host.layout.mailDir}/${name}`;
      const doc = host.fileOf('sendmail-cf', cfPath);
      if (!doc) continue;
      for (const file of classFiles(doc)) {
        if (file.name !== 't') continue;
        const real = host.tree.resolve(file.path);
        const text = real === undefined ? undefined : host.tree.read(real, MAX_BYTES);
        if (text === undefined) continue;
        for (const w of classFileWords(text, file.format) ?? []) {
          const at = `${real}:${w.line}:${w.column}`;
          if (SYSTEM_TRUSTED.has(w.word) || seen.has(at)) continue;
          seen.add(at);
          const span = { start: { line: w.line, column: w.column }, end: { line: w.line, column: w.column + w.word.length } };
          ctx.report({ messageId: 'trusted', data: { file: real!, cf: cfPath, user: w.word }, path: real!, span });
        }
      }
    }
  },
});
