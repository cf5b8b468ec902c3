import { posix } from 'node:path';
import { defineRule } from '../../src/core/rule.js';
import { environmentValue, resolveWord } from '../../src/parsers/qmail-run.js';
import { absent, controlFile, serviceAnchor, smtpdAnswers, smtpdCalls } from '../../src/host/qmail-paths.js';

export default defineRule({
  meta: {
    id: 'MH4008',
    slug: 'databytes-unlimited',
    kinds: ['qmail-control', 'qmail-run', 'host'],
    description: 'Without a databytes limit (the file missing, 0, or no number on its first line) qmail-smtpd accepts messages of any size, until the disk is full.',
    severity: 'low',
    tags: ['qmail', 'limits'],
    references: ['EX16-STIG:EX16-ED-000320', 'qmail-smtpd.8:databytes'],
    messages: {
      zero: 'databytes is {value}: qmail-smtpd accepts messages of any size',
      noNumber: 'the first line of databytes holds no number ("{text}"): qmail-smtpd uses the default, 0, and accepts messages of any size',
      envZero: 'DATABYTES={value} in the environment of qmail-smtpd overrides control/databytes: messages of any size are accepted',
      absent: '{path} does not exist and the run scripts set no DATABYTES: qmail-smtpd accepts messages of any size',
    },
    fix: 'put the largest message size to accept, in bytes, on the first line of control/databytes (e.g. 20971520 for 20 MiB)',
  },
  check(doc, ctx) {
    if (doc.kind === 'qmail-control') {
      if (doc.name !== 'databytes' || doc.number !== 0) return;
      const first = doc.lines.get(0);
      if (doc.hasDigits) ctx.report({ messageId: 'zero', data: { value: /^[0-9]+/.exec(first.text)![0] }, span: first.span });
      else ctx.report({ messageId: 'noNumber', data: { text: first.text.slice(0, 60) }, span: first.span });
      return;
    }
    if (doc.kind === 'qmail-run') {
      // qmail-smtpd.c: DATABYTES from the environment replaces the file's value (scan_ulong, no digits: 0).
      for (const call of doc.tcpservers) {
        if (!call.smtpd) continue;
        const word = call.env.get('DATABYTES') ?? environmentValue(doc, 'DATABYTES', call.command.line);
        if (!word) continue;
        const r = resolveWord(doc, word, call.command.line);
        if (r.type === 'text' && !/^[0-9]*[1-9]/.test(r.text)) ctx.report({ messageId: 'envZero', data: { value: r.text === '' ? '""' : r.text }, span: word.span });
      }
      return;
    }
    const host = doc;
    const { tree } = host;
    if (!smtpdAnswers(host)) return;
    const path = controlFile(host, 'databytes');
    if (!absent(host, path)) return;
    const calls = smtpdCalls(host);
    const fromEnv = calls.some(({ path: script, doc: run, call }) => {
      if (call.env.has('DATABYTES') || environmentValue(run, 'DATABYTES', call.command.line)) return true;
      // envdir DIR: a file DIR/DATABYTES sets the variable (relative to the service directory).
      return call.envdirs.some((w) => {
        const r = resolveWord(run, w, call.command.line);
        return r.type === 'text' && tree.exists(posix.join(posix.resolve(posix.dirname(script), r.text), 'DATABYTES'));
      });
    });
    if (!fromEnv) ctx.report({ messageId: 'absent', data: { path }, ...serviceAnchor(host) });
  },
});
