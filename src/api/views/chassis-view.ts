import type { Chassis } from '../../domain/resources.js';
import { resourceLinks } from '../links.js';

/** Chassis have had the same fields since 1.1, and link to their nodes. */
export const CHASSIS_FIELD_SINCE: Readonly<Record<string, number>> = {
  uuid: 1, description: 1, extra: 1, created_at: 1, updated_at: 1, links: 1, nodes: 1,
};
export const CHASSIS_LIST_FIELDS: readonly string[] = ['uuid', 'description', 'links'];
export const CHASSIS_DETAIL_FIELDS: readonly string[] = ['uuid', 'description', 'extra', 'created_at', 'updated_at', 'links', 'nodes'];
export const CHASSIS_UNSORTABLE_FIELDS: ReadonlySet<string> = new Set(['extra']);

export function chassisView(c: Chassis, base: string, fields: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of fields) {
    if (f === 'links') out.links = resourceLinks(base, 'chassis', c.uuid);
    else if (f === 'nodes') out.nodes = resourceLinks(base, 'chassis', `${c.uuid}/nodes`);
    else out[f] = (c as unknown as Record<string, unknown>)[f] ?? null;
  }
  if (!('links' in out)) out.links = resourceLinks(base, 'chassis', c.uuid);
  return out;
}
