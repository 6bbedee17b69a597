import type { VolumeConnector, VolumeTarget } from '../../domain/resources.js';
import { resourceLinks } from '../links.js';
import { fieldsAt, listFieldsAt, resourceView, type ResourceShape } from '../resource-kit.js';

/** `/v1/volume` appeared in 1.32 with all of its fields. */
export const VOLUME_MINOR = 32;

export const CONNECTOR_SHAPE: ResourceShape = {
  collection: 'volume/connectors',
  fieldSince: { uuid: 32, node_uuid: 32, type: 32, connector_id: 32, extra: 32, created_at: 32, updated_at: 32, links: 32 },
  listFields: ['uuid', 'node_uuid', 'type', 'connector_id', 'links'],
};

export const TARGET_SHAPE: ResourceShape = {
  collection: 'volume/targets',
  fieldSince: {
    uuid: 32, node_uuid: 32, volume_type: 32, properties: 32, boot_index: 32, volume_id: 32, extra: 32,
    created_at: 32, updated_at: 32, links: 32,
  },
  listFields: ['uuid', 'node_uuid', 'volume_type', 'boot_index', 'volume_id', 'links'],
};

export const VOLUME_UNSORTABLE_FIELDS: ReadonlySet<string> = new Set(['extra', 'properties']);

export function volumeFields(shape: ResourceShape, minor: number, detail: boolean): string[] {
  return detail ? fieldsAt(shape, minor) : listFieldsAt(shape, minor);
}

export function volumeRecordView(shape: ResourceShape, r: VolumeConnector | VolumeTarget, base: string, fields: readonly string[]): Record<string, unknown> {
  return resourceView(shape, r, base, fields);
}

/**
 * `/v1/volume` or `/v1/nodes/{node}/volume`: links to itself and to the connectors and targets. As in Ironic, a
 * node is named as the client named it, and the document's own link ends in a slash.
 */
export function volumeLinksView(base: string, nodeIdent?: string): Record<string, unknown> {
  const [resource, prefix] = nodeIdent === undefined ? ['volume', ''] : ['nodes', `${nodeIdent}/volume/`];
  return {
    links: resourceLinks(base, resource, prefix),
    connectors: resourceLinks(base, resource, `${prefix}connectors`),
    targets: resourceLinks(base, resource, `${prefix}targets`),
  };
}
