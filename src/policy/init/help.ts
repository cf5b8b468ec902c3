import type { HostTree } from '../../host/tree.js';
import { inQueueDirectory } from '../../model/cf-paths.js';
import { helpVersion } from '../../model/helpfile.js';
import type { Render } from '../../render/templates.js';
import { sendmailEffect, type Deriver, type Kept, type SendmailSide } from './context.js';

function deriveHelp(tree: HostTree, sm: SendmailSide, render: Render): Kept<boolean> {
  const setting = sm.model.get('HelpFile');
  const hf = setting?.value.trim();
  if (!hf) return { keep: false, reason: `help: sendmail.cf ${setting ? 'has an empty HelpFile' : 'sets no HelpFile'}, so HELP answers with the sendmail version; help: true installs a help file without it:`, suggest: 'true' };
  const path = inQueueDirectory(sm.model, hf, sm.layout.mqueue);
  const text = tree.read(path);
  if (text === undefined) return { keep: false, reason: `help: HelpFile names ${path}, which cannot be read, so HELP answers with the sendmail version; help: true installs a help file without it:`, suggest: 'true' };
  const version = helpVersion(text);
  if (version) return { keep: false, reason: `help: the help file ${path} shows the version (${version}); help: true replaces it with one that does not:`, suggest: 'true' };
  const target = `${sm.layout.mailDir}/helpfile`;
  const effect = sendmailEffect(sm, { helpFile: target });
  const same = path === target && tree.read(target) === render('helpfile', {});
  if (!effect.cf && !effect.mc && same) return { keep: true, value: true, note: 'mailharden\'s help file is in place' };
  const what = [!same ? (path === target ? `replace the text of ${target} with mailharden's` : `point HelpFile at ${target} (now ${path})`) : '', effect.mc ? 'change sendmail.mc' : ''].filter(Boolean).join(' and ');
  return { keep: false, reason: `help: ${path} shows no version, but help: true would ${what}:`, suggest: 'true' };
}

export const help: Deriver<boolean> = {
  key: 'help',
  sendmailOnly: true,
  derive: (c) => deriveHelp(c.tree, c.sm!, c.render),
  set: (p, v) => (p.help = v),
  write: (y, k) => y.key('help', 'true', 0, k.note),
};
