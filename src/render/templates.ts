import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PACKAGE_ROOT } from '../paths.js';
import { loadExternal } from '../core/external.js';

export type TemplateName = 'tcp-relay-block' | 'tcp.smtp' | 'access-relay-block' | 'access-client-block' | 'rcpthosts' | 'morercpthosts' | 'relay-domains' | 'helpfile' | 'apply.sh' | 'qmail-control-value' | 'qmail-smtpd-run' | 'qmail-smtpd-log-run' | 'dot-qmail' | 'collect.sh';

/** Renders one template with its data; a value the template names but the data lacks is an error (strict). */
export type Render = (name: TemplateName, data: Record<string, unknown>) => string;

/**
 * Loads handlebars (only the commands that render need it) and returns a renderer of templates/*.hbs,
 * each compiled once with `noEscape` (the outputs are config files, not HTML) and `strict`.
 */
export async function loadTemplates(dir = join(PACKAGE_ROOT, 'templates')): Promise<Render> {
  const Handlebars = (await loadExternal<{ default: typeof import('handlebars') }>('handlebars')).default;
  const hb = Handlebars.create();
  const compiled = new Map<TemplateName, (data: unknown) => string>();
  return (name, data) => {
    let t = compiled.get(name);
    if (!t) {
      t = hb.compile(readFileSync(join(dir, `${name}.hbs`), 'utf8'), { noEscape: true, strict: true });
      compiled.set(name, t);
    }
    return t(data);
  };
}
