import { defineRule } from '../../src/core/rule.js';
import { octal } from '../../src/host/mode.js';
import { FILE_START as AT_START } from '../../src/core/span.js';
import { queueDir } from '../../src/host/paths.js';
import { queueDirectory } from '../../src/model/cf-paths.js';


export default defineRule({
  meta: {
    id: 'MH6001',
    slug: 'queue-permissions',
    kinds: ['host'],
    description: 'The mail queue directory must be owned by root (or the system\'s MTA user) and closed to other users, since queued messages hold every sender, recipient and body.',
    severity: 'medium',
    tags: ['host', 'queue', 'permissions'],
    references: ['sendmail-SECURITY:mqueue', 'sendmail-op:mqueue'],
    messages: {
      mode: 'mail queue {path} has mode {mode}: {who} can list or read queued messages (sendmail recommends 0700)',
      owner: 'mail queue {path} is owned by {owner}, not by root or the MTA user',
      clientMode: 'client queue {path} has mode {mode}: any user can read messages queued by local programs (sendmail recommends 0770 smmsp:smmsp)',
      notDir: 'mail queue {path} is not a directory',
    },
    fix: 'chown root (or the MTA user) and chmod 0700 the queue directory; the client queue 0770 smmsp:smmsp',
  },
  check(host, ctx) {
    const { tree, layout, accounts } = host;
    // The queue the MTA cf names (QueueDirectory), the layout's without a cf.
    const mqueue = queueDir(host);
    const q = tree.stat(mqueue);
    if (q) {
      if (q.type !== 'dir') ctx.report({ messageId: 'notDir', data: { path: mqueue }, path: mqueue, span: AT_START });
      else {
        const owner = accounts.userName(q.uid);
        if (q.uid !== 0 && !layout.mtaUsers.includes(owner)) ctx.report({ messageId: 'owner', data: { path: mqueue, owner }, path: mqueue, span: AT_START });
        if (q.mode & 0o077) {
          const who = q.mode & 0o007 ? 'every user' : `members of group ${accounts.groupName(q.gid)}`;
          ctx.report({ messageId: 'mode', data: { path: mqueue, mode: octal(q.mode), who }, path: mqueue, span: AT_START, severity: q.mode & 0o007 ? 'high' : 'medium' });
        }
      }
    }
    // The client queue is the QueueDirectory of submit.cf, the MSP's configuration.
    const submit = host.fileOf('sendmail-cf', `${layout.mailDir}/submit.cf`)?.sendmail;
    const clientmqueue = (submit && queueDirectory(submit)) ?? layout.clientmqueue;
    const c = tree.stat(clientmqueue);
    if (c && c.type === 'dir' && c.mode & 0o007) {
      ctx.report({ messageId: 'clientMode', data: { path: clientmqueue, mode: octal(c.mode) }, path: clientmqueue, span: AT_START, severity: 'high' });
    }
  },
});
