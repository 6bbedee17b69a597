import type { DeployTemplate } from '../../domain/resources.js';
import { maskSecrets } from '../../domain/secrets.js';
import { resourceLinks } from '../links.js';

/** `/v1/deploy_templates` appeared in 1.55, with all of its fields. */
export const DEPLOY_TEMPLATES_MINOR = 55;

export const DEPLOY_TEMPLATE_FIELD_SINCE: Readonly<Record<string, number>> = {
  uuid: DEPLOY_TEMPLATES_MINOR, name: DEPLOY_TEMPLATES_MINOR, steps: DEPLOY_TEMPLATES_MINOR,
  extra: DEPLOY_TEMPLATES_MINOR, created_at: DEPLOY_TEMPLATES_MINOR, updated_at: DEPLOY_TEMPLATES_MINOR,
  links: DEPLOY_TEMPLATES_MINOR,
};
export const DEPLOY_TEMPLATE_LIST_FIELDS: readonly string[] = ['uuid', 'name', 'links'];
export const DEPLOY_TEMPLATE_DETAIL_FIELDS: readonly string[] = [
  'uuid', 'name', 'steps', 'extra', 'created_at', 'updated_at', 'links',
];
export const DEPLOY_TEMPLATE_UNSORTABLE_FIELDS: ReadonlySet<string> = new Set(['extra', 'steps']);

export function deployTemplateView(t: DeployTemplate, base: string, fields: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of fields) {
    switch (f) {
      case 'links': out.links = resourceLinks(base, 'deploy_templates', t.uuid); break;
      case 'extra': out.extra = t.extra ?? {}; break;
      case 'steps':
        // step arguments may carry credentials (a BIOS password, say): masked as in node documents
        out.steps = t.steps.map((s) => ({ interface: s.interface, step: s.step, args: maskSecrets(s.args), priority: s.priority }));
        break;
      default: out[f] = (t as unknown as Record<string, unknown>)[f] ?? null;
    }
  }
  if (!('links' in out)) out.links = resourceLinks(base, 'deploy_templates', t.uuid);
  return out;
}
