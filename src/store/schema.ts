import type { Generated } from 'kysely';
import type { Node } from '../domain/node.js';
import type { NodeEvent } from '../domain/node-event.js';
import type {
  Allocation, BiosSetting, Chassis, NodeInventory, Conductor, DeployTemplate, HistoryEvent, Port, Portgroup, VolumeConnector, VolumeTarget,
} from '../domain/resources.js';

/** How a record's field is stored: documents as JSON text, booleans as the dialect gives them back. */
type StoredField<T> = [T] extends [boolean]
  ? number | boolean
  : [T] extends [boolean | null]
    ? number | boolean | null
    : [T] extends [object | null]
      ? string
      : T;

export type Stored<T extends { id: number }> = { [K in keyof T]: K extends 'id' ? Generated<number> : StoredField<T[K]> };

export interface Schema {
  nodes: Stored<Node>;
  ports: Stored<Port>;
  portgroups: Stored<Portgroup>;
  chassis: Stored<Chassis>;
  conductors: Stored<Conductor>;
  node_history: Stored<HistoryEvent>;
  allocations: Stored<Allocation>;
  deploy_templates: Stored<DeployTemplate>;
  volume_connectors: Stored<VolumeConnector>;
  volume_targets: Stored<VolumeTarget>;
  bios_settings: Stored<BiosSetting>;
  node_inventory: Stored<NodeInventory>;
  node_events: Stored<NodeEvent>;
}

export type TableName = keyof Schema;
