import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { parseAs } from '../src/parsers/documents.js';
import { SourceFile } from '../src/core/source.js';
import { loadFixtures } from './helpers/fixtures.js';
import { debianMc, DEBIAN_MC, M4, needs } from './helpers/real.js';

/** Runs real m4 on an .mc text; undefined when m4 refuses it. */
function m4(text: string): string | undefined {
  const r = spawnSync(M4, [], { input: text, encoding: 'utf8', timeout: 30_000 });
  return r.status === 0 ? r.stdout : undefined;
}

/**
 * The .mc model must predict what m4 builds: the prog mailer's program, the effective PrivacyOptions
 * flags and the number of listeners. Checked on every .mc fixture and on Debian's own sendmail.mc.
 */
describe('the .mc model agrees with the cf that real m4 builds', () => {
  const cases = loadFixtures()
    .filter((f) => f.kind === 'sendmail-mc')
    .map((f) => ({ name: f.path, text: f.text }));
  for (const c of [...cases, { name: 'Debian sendmail.mc', text: '' }]) {
    it(c.name, (t) => {
      if (!needs(t, M4, DEBIAN_MC)) return;
      const text = c.text || debianMc();
      // Fragments (no include of cf.m4) get the include m4 needs to build a cf at all.
      const full = /cf\.m4'\)/.test(text) ? text : `include(\`/usr/share/sendmail/cf/m4/cf.m4')dnl\n${text}`;
      const built = m4(full.replace(/^include\(`\/etc\/mail\/m4\/[^']+'\)dnl$/gm, 'dnl'));
      // A fixture that m4 must refuse says so (`dnl # m4 builds nothing`); any other must build.
      const refused = built === undefined || !/^V\d+/m.test(built);
      if (/^dnl # m4 builds nothing/m.test(text)) return assert.ok(refused, 'm4 built a cf from a fixture it should refuse');
      assert.ok(!refused, 'm4 builds no cf from this fixture');
      const cf = parseAs('sendmail-cf', new SourceFile('built.cf', built));
      const mc = parseAs('sendmail-mc', new SourceFile(c.name, text));
      assert.equal(mc.sendmail.prog?.path, cf.sendmail.prog?.path, 'prog mailer program');
      assert.deepEqual([...mc.sendmail.privacy].sort(), [...cf.sendmail.privacy].sort(), 'effective PrivacyOptions');
      const cfDaemons = cf.sendmail.daemons.length || 1;
      assert.equal(mc.sendmail.daemons.length, cfDaemons, 'number of listeners');
      // Every FEATURE of the .mc leaves its VERSIONID comment in the cf, which is how a cf's features are read (MH1025, MH1041).
      const cfFeatures = new Set(cf.sendmail.features.map((f) => f.name));
      for (const f of mc.sendmail.features) assert.ok(cfFeatures.has(f.name), `FEATURE(${f.name}) is not among the cf's features`);
    });
  }
});
