import assert from 'node:assert/strict';
import { it } from 'node:test';
import { kindFromContent, kindFromName } from '../src/core/detect.js';
import { debianCf, debianMc, DEBIAN_MC, M4, needs } from './helpers/real.js';

it('content detection knows the stock cf and mc, access files with and without tags, aliases', (t) => {
  assert.equal(kindFromContent('localhost RELAY\n192.168 RELAY\nspam.example REJECT\n'), 'access');
  assert.equal(kindFromContent('Connect:localhost.localdomain\tRELAY\nConnect:10\tRELAY\n'), 'access');
  assert.equal(kindFromContent('postmaster: root\nDave: dave@example.com\nCarol: carol\nExample: x\n'), 'aliases');
  assert.equal(kindFromContent('127.:allow,RELAYCLIENT=""\n:deny\n'), 'tcp-rules');
  assert.equal(kindFromContent('just some prose\nnothing else here\n'), undefined);
  assert.equal(kindFromName('/etc/mail/spamassassin/local.cf'), 'sendmail-cf', 'by name alone; walks confirm by content');
  assert.equal(kindFromContent('required_score 5.0\nuse_bayes 1\n'), undefined, "SpamAssassin's local.cf is no sendmail.cf");
  if (!needs(t, M4, DEBIAN_MC)) return;
  assert.equal(kindFromContent(debianCf()), 'sendmail-cf');
  assert.equal(kindFromContent(debianMc()), 'sendmail-mc');
});
