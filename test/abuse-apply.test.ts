import assert from 'node:assert/strict';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { sendmailSettings } from '../src/apply/plan.js';
import { LAYOUTS } from '../src/host/layout.js';
import { policyFromText } from '../src/policy/validate.js';
import { renderSendmailCf } from '../src/render/sendmail-cf.js';
import { renderSendmailMc } from '../src/render/sendmail-mc.js';
import { debianCf, debianMc, DEBIAN_MC, M4, m4Build, needs, needsRoot, SENDMAIL, sendmailCheckWhole, tempDir } from './helpers/real.js';
import { smtpSession } from './helpers/smtp-bs.js';

const xLines = (cf: string): string[] => cf.split('\n').filter((l) => /^X/.test(l));

/** Lines for a cf that keep the session's mail in a queue of the test's own and never deliver it. */
function ownQueue(): { lines: string; done: () => void } {
  const dir = tempDir('mh-queue-');
  mkdirSync(join(dir, 'q'), { mode: 0o700 });
  return { lines: `O QueueDirectory=${join(dir, 'q')}\nO DeliveryMode=queue\n`, done: () => rmSync(dir, { recursive: true, force: true }) };
}

describe('milters.failMode (issue 18): F=T or F=R on every filter, nothing else changed', () => {
  it('the .mc and the cf get the flag; m4 builds the same X lines; the real sendmail -bs answers 451 (tempfail) or refuses the session (reject) while the filter is down', async (t) => {
    if (!needs(t, SENDMAIL, M4, DEBIAN_MC)) return;
    const dir = tempDir('mh-milter-');
    const sock = join(dir, 'none.sock');
    // Two filters as people write them: one without flags, one quoted twice with F=R and another flag.
    const mcIn = debianMc().replace(/^MAILER_DEFINITIONS/m, `INPUT_MAIL_FILTER(\`test', \`S=unix:${sock}, T=S:1s;R:2s')dnl\nMAIL_FILTER(\`other', \`\`S=local:${sock},F=R4'')dnl\nMAILER_DEFINITIONS`);
    const cfIn = `${debianCf()}Xtest, S=unix:${sock}, T=S:1s;R:2s\nXother, S=local:${sock},F=R4\nO InputMailFilters=test\n`;
    for (const mode of ['tempfail', 'reject'] as const) {
      const letter = mode === 'tempfail' ? 'T' : 'R';
      const want = sendmailSettings(await policyFromText(`version: 1\nmilters: { failMode: ${mode} }\n`, 'p.yaml'), LAYOUTS.debian);
      const mc = renderSendmailMc(mcIn, want, 'sendmail.mc');
      const cf = renderSendmailCf(cfIn, want, 'sendmail.cf');
      assert.equal(renderSendmailMc(mc, want, 'sendmail.mc'), mc, `${mode}: mc idempotent`);
      assert.equal(renderSendmailCf(cf, want, 'sendmail.cf'), cf, `${mode}: cf idempotent`);
      // Only the F field: the other fields, their blanks and the quoting are as they were.
      const expected = [`Xtest, S=unix:${sock}, T=S:1s;R:2s, F=${letter}`, `Xother, S=local:${sock},F=4${letter}`];
      assert.deepEqual(xLines(cf), expected, `${mode}: the cf's X lines`);
      assert.ok(mc.includes(`INPUT_MAIL_FILTER(\`test', \`S=unix:${sock}, T=S:1s;R:2s, F=${letter}')dnl`), `${mode}: INPUT_MAIL_FILTER`);
      assert.ok(mc.includes(`MAIL_FILTER(\`other', \`\`S=local:${sock},F=4${letter}'')dnl`), `${mode}: MAIL_FILTER keeps its two quotes`);
      const built = m4Build(mc);
      assert.equal(built.status, 0, built.stderr);
      assert.equal(built.stderr, '');
      assert.deepEqual(xLines(built.stdout), expected, `${mode}: the X lines m4 builds from the rendered .mc`);
      const check = sendmailCheckWhole(cf);
      assert.equal(check.status, 0, check.output);
    }
    // Without the key, nothing moves.
    assert.equal(renderSendmailCf(cfIn, {}, 'sendmail.cf'), cfIn);
    if (!needsRoot(t, 'sendmail -bs with -C needs root')) return;
    const queue = ownQueue();
    try {
      const session = async (mode: string): Promise<string> => {
        const want = sendmailSettings(await policyFromText(`version: 1\nmilters: { failMode: ${mode} }\n`, 'p.yaml'), LAYOUTS.debian);
        const built = m4Build(renderSendmailMc(mcIn, want, 'sendmail.mc')).stdout;
        for (const cf of [renderSendmailCf(cfIn, want, 'sendmail.cf'), built]) assert.match(cf, /^Xtest, /m);
        const s = await smtpSession(`${built}${queue.lines}`, ['EHLO client.example', 'MAIL FROM:<root>', 'QUIT']);
        return s.map((x) => `${x.command || 'greeting'}: ${x.lines.at(-1)!.slice(0, 3)}`).join(', ');
      };
      // Measured before: with no flag the same filter lets the message through (MH1093, test/auth-real.test.ts).
      assert.equal(await session('tempfail'), 'greeting: 220, EHLO client.example: 250, MAIL FROM:<root>: 451, QUIT: 221');
      assert.match(await session('reject'), /^greeting: 554, EHLO client\.example: 250, MAIL FROM:<root>: 550/);
    } finally {
      queue.done();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('equates apply cannot edit as written are refused, not rewritten', async () => {
    const want = { milterFailMode: 'tempfail' as const };
    const base = debianMc();
    for (const [line, why] of [
      ["INPUT_MAIL_FILTER(`a', S=local:/x, F=R)dnl", /not quoted/],
      ["INPUT_MAIL_FILTER(`a', `S=local:/x, F=`'R')dnl", /not plain text/],
      ["INPUT_MAIL_FILTER(`a', `S=local:/dnl/x')dnl", /hold dnl/],
      ["INPUT_MAIL_FILTER(`a')dnl", /names no socket/],
    ] as const) {
      assert.throws(() => renderSendmailMc(base.replace(/^MAILER_DEFINITIONS/m, `${line}\nMAILER_DEFINITIONS`), want, 'sendmail.mc'), (e: Error) => why.test(e.message), line);
    }
    // A quoted F value in the cf (sendmail's munchstring reads the quotes) is left as it is.
    const cf = `${debianCf()}Xa, S=local:/x, F="R"\n`;
    assert.equal(renderSendmailCf(cf, want, 'sendmail.cf'), cf);
  });
});
