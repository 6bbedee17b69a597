import type { JsonObject } from './node.js';

/** Records other than nodes, named as Ironic names their fields. */

export interface Port {
  id: number;
  uuid: string;
  address: string;
  node_uuid: string;
  portgroup_uuid: string | null;
  local_link_connection: JsonObject;
  pxe_enabled: boolean;
  physical_network: string | null;
  internal_info: JsonObject;
  is_smartnic: boolean;
  name: string | null;
  description: string | null;
  extra: JsonObject;
  created_at: string;
  updated_at: string | null;
}

export interface Portgroup {
  id: number;
  uuid: string;
  name: string | null;
  address: string | null;
  node_uuid: string;
  standalone_ports_supported: boolean;
  internal_info: JsonObject;
  extra: JsonObject;
  mode: string | null;
  properties: JsonObject;
  created_at: string;
  updated_at: string | null;
}

export interface Chassis {
  id: number;
  uuid: string;
  description: string | null;
  extra: JsonObject;
  created_at: string;
  updated_at: string | null;
}

export interface Conductor {
  id: number;
  hostname: string;
  conductor_group: string;
  online: boolean;
  drivers: string[];
  created_at: string;
  updated_at: string | null;
}

export interface HistoryEvent {
  id: number;
  uuid: string;
  node_uuid: string;
  conductor: string | null;
  event_type: string;
  event: string;
  severity: string;
  user: string | null;
  created_at: string;
  updated_at: string | null;
}

/**
 * One BIOS setting of a node as its bios interface last read it from the hardware. Values are text, as Ironic
 * keeps them; the registry fields describe the setting where the BMC publishes an attribute registry.
 */
export interface BiosSetting {
  id: number;
  node_uuid: string;
  name: string;
  value: string | null;
  attribute_type: string | null;
  allowable_values: string[] | null;
  lower_bound: number | null;
  upper_bound: number | null;
  min_length: number | null;
  max_length: number | null;
  read_only: boolean | null;
  reset_required: boolean | null;
  unique: boolean | null;
  created_at: string;
  updated_at: string | null;
}

/** What in-band inspection last found on a node: the agent's inventory and the rest of its report. */
export interface NodeInventory {
  id: number;
  node_uuid: string;
  inventory_data: JsonObject;
  plugin_data: JsonObject;
  created_at: string;
  updated_at: string | null;
}

export interface Allocation {
  id: number;
  uuid: string;
  name: string | null;
  node_uuid: string | null;
  state: string;
  last_error: string | null;
  resource_class: string | null;
  traits: string[];
  candidate_nodes: string[];
  extra: JsonObject;
  owner: string | null;
  conductor_affinity: string | null;
  created_at: string;
  updated_at: string | null;
}

export interface DeployStep {
  interface: string;
  step: string;
  args: JsonObject;
  priority: number;
}

export interface DeployTemplate {
  id: number;
  uuid: string;
  name: string;
  steps: DeployStep[];
  extra: JsonObject;
  created_at: string;
  updated_at: string | null;
}

export interface VolumeConnector {
  id: number;
  uuid: string;
  node_uuid: string;
  type: string;
  connector_id: string;
  extra: JsonObject;
  created_at: string;
  updated_at: string | null;
}

export interface VolumeTarget {
  id: number;
  uuid: string;
  node_uuid: string;
  volume_type: string;
  properties: JsonObject;
  boot_index: number;
  volume_id: string;
  extra: JsonObject;
  created_at: string;
  updated_at: string | null;
}
