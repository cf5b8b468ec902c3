import { defineRule } from '../../src/core/rule.js';
import { WEAK_CLASS_TEXT, weakCiphers } from '../../src/model/cipher-string.js';

export default defineRule({
  meta: {
    id: 'MH1071',
    slug: 'weak-cipher-list',
    kinds: ['sendmail-cf', 'sendmail-mc'],
    description: 'CipherList must not enable anonymous, unencrypted, export-grade, RC4, DES, 3DES or MD5 suites.',
    severity: 'medium',
    tags: ['tls'],
    references: ['RFC:7465', 'RFC:7525', 'sendmail-op:CipherList', 'CVE:2016-2183'],
    messages: {
      weak: 'CipherList "{list}" enables {what} (added by "{word}"): a client or a man in the middle can choose them where the OpenSSL library still has them',
    },
    fix: 'append the exclusions to the list, e.g. O CipherList=HIGH:!aNULL:!eNULL:!MD5:!RC4:!3DES:!DES:!EXP, or remove CipherList to use OpenSSL\'s default',
  },
  check(doc, ctx) {
    const setting = doc.sendmail.get('CipherList');
    if (!setting || setting.value.trim() === '') return;
    const weak = weakCiphers(setting.value);
    if (weak.size === 0) return;
    const words = [...new Set(weak.values())];
    const what = [...weak.keys()].map((c) => `${c} (${WEAK_CLASS_TEXT[c]})`).join(', ');
    ctx.report({ messageId: 'weak', data: { list: setting.value.trim(), what, word: words.join('", "') }, span: setting.span, subject: [...weak.keys()].join(',') });
  },
});
