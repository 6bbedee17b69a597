import type { Portgroup } from '../../domain/resources.js';
import { fieldsAt, listFieldsAt, resourceView, type ResourceShape } from '../resource-kit.js';

/** `/v1/portgroups` appeared in 1.23. Portgroups link to their ports. */
export const PORTGROUPS_MINOR = 23;

/**
 * Documents carry every field from 1.23, `mode` and `properties` (1.26) included: Ironic never hides them. Only
 * naming them in `?fields=` or `sort_key`, or setting them on create, needs 1.26 (PORTGROUP_QUERY_FIELD_SINCE).
 */
export const PORTGROUP_SHAPE: ResourceShape = {
  collection: 'portgroups',
  fieldSince: {
    uuid: 23, address: 23, name: 23, node_uuid: 23, standalone_ports_supported: 23, internal_info: 23, extra: 23,
    created_at: 23, updated_at: 23, links: 23, ports: 23, mode: 23, properties: 23,
  },
  subLinks: { ports: 'ports' },
  listFields: ['uuid', 'address', 'name', 'links'],
};

export const PORTGROUP_QUERY_FIELD_SINCE: Readonly<Record<string, number>> = { ...PORTGROUP_SHAPE.fieldSince, mode: 26, properties: 26 };

export const PORTGROUP_UNSORTABLE_FIELDS: ReadonlySet<string> = new Set(['extra', 'internal_info', 'properties']);

export function portgroupFields(minor: number, detail: boolean): string[] {
  return detail ? fieldsAt(PORTGROUP_SHAPE, minor) : listFieldsAt(PORTGROUP_SHAPE, minor);
}

export function portgroupView(pg: Portgroup, base: string, fields: readonly string[]): Record<string, unknown> {
  return resourceView(PORTGROUP_SHAPE, pg, base, fields);
}
