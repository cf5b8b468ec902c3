import { defineRule } from '../../src/core/rule.js';

export default defineRule({
  meta: {
    id: 'MH1025',
    slug: 'greet-pause',
    kinds: ['sendmail-mc', 'sendmail-cf'],
    description: 'Advice: use FEATURE(`greet_pause\'), so that a client that talks before the 220 greeting (a spam bot slamming the server) is refused.',
    severity: 'info',
    tags: ['anti-spam', 'dos'],
    references: ['sendmail-cf-README:greet_pause'],
    messages: {
      mc: 'no FEATURE(`greet_pause\'): sendmail greets at once, so a client that sends its commands without waiting for the 220 greeting (SMTP slamming, as spam bots do) is served',
      cf: 'this cf was built without FEATURE(`greet_pause\') (its VERSIONID comments list the m4 files it came from): sendmail greets at once, so a client that sends its commands without waiting for the 220 greeting is served',
    },
    fix: 'add FEATURE(`greet_pause\', `1000\')dnl to the .mc (a pause of 1000 ms, the value Debian ships; GreetPause: entries in the access map can set other pauses per client) and rebuild the .cf',
  },
  check(doc, ctx) {
    // A configuration that runs no SMTP daemon (the MSP's submit.cf) answers no client: see SendmailModel.servesSmtp.
    if (!doc.sendmail.servesSmtp) return;
    const model = doc.sendmail;
    const { features } = model;
    if (features.some((f) => f.name === 'greet_pause')) return;
    // A .cf tells its features only by the VERSIONID comments m4 left in it: without them, absence proves nothing.
    if (doc.kind === 'sendmail-cf' && features.length === 0) return;
    ctx.report({ messageId: doc.kind === 'sendmail-mc' ? 'mc' : 'cf', span: model.anchor });
  },
});
