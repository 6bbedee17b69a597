import type { Port } from '../../domain/resources.js';
import { fieldsAt, listFieldsAt, resourceView, type ResourceShape } from '../resource-kit.js';

/** A port document: every field with the minor version it appeared in; newer fields are left out. */
export const PORT_SHAPE: ResourceShape = {
  collection: 'ports',
  fieldSince: {
    uuid: 1, address: 1, node_uuid: 1, extra: 1, created_at: 1, updated_at: 1, links: 1, internal_info: 18,
    local_link_connection: 19, pxe_enabled: 19, portgroup_uuid: 24, physical_network: 34, is_smartnic: 53,
  },
  listFields: ['uuid', 'address', 'links'],
};

export const PORT_UNSORTABLE_FIELDS: ReadonlySet<string> = new Set(['extra', 'internal_info', 'local_link_connection']);

/** Fields of a port at `minor`: all of them (show, detail) or those of a plain list item. */
export function portFields(minor: number, detail: boolean): string[] {
  return detail ? fieldsAt(PORT_SHAPE, minor) : listFieldsAt(PORT_SHAPE, minor);
}

export function portView(port: Port, base: string, fields: readonly string[]): Record<string, unknown> {
  return resourceView(PORT_SHAPE, port, base, fields);
}
