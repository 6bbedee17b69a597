import type { ProvisionState } from './provision-state-machine.js';

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

/** Hardware interface slots, in Ironic's names (`<slot>_interface` on a node). */
export const INTERFACE_SLOTS = [
  'bios', 'boot', 'console', 'deploy', 'firmware', 'inspect', 'management', 'network', 'power', 'raid', 'rescue',
  'storage', 'vendor',
] as const;
export type InterfaceSlot = (typeof INTERFACE_SLOTS)[number];
export type InterfaceField = `${InterfaceSlot}_interface`;

/** A node as stored: the one record type for a node, named as Ironic names its fields. */
export interface Node {
  id: number;
  uuid: string;
  name: string | null;
  driver: string;
  driver_info: JsonObject;
  driver_internal_info: JsonObject;
  properties: JsonObject;
  extra: JsonObject;
  instance_info: JsonObject;
  instance_uuid: string | null;
  chassis_uuid: string | null;
  power_state: string | null;
  target_power_state: string | null;
  provision_state: ProvisionState;
  target_provision_state: ProvisionState | null;
  provision_updated_at: string | null;
  maintenance: boolean;
  maintenance_reason: string | null;
  fault: string | null;
  last_error: string | null;
  reservation: string | null;
  console_enabled: boolean;
  clean_step: JsonObject;
  deploy_step: JsonObject;
  service_step: JsonObject;
  raid_config: JsonObject;
  target_raid_config: JsonObject;
  inspection_started_at: string | null;
  inspection_finished_at: string | null;
  resource_class: string | null;
  bios_interface: string;
  boot_interface: string;
  console_interface: string;
  deploy_interface: string;
  firmware_interface: string;
  inspect_interface: string;
  management_interface: string;
  network_interface: string;
  power_interface: string;
  raid_interface: string;
  rescue_interface: string;
  storage_interface: string;
  vendor_interface: string;
  traits: string[];
  conductor_group: string;
  conductor_affinity: string | null;
  automated_clean: boolean | null;
  protected: boolean;
  protected_reason: string | null;
  owner: string | null;
  lessee: string | null;
  description: string | null;
  allocation_uuid: string | null;
  retired: boolean;
  retired_reason: string | null;
  network_data: JsonObject;
  boot_mode: string | null;
  secure_boot: boolean | null;
  shard: string | null;
  parent_node: string | null;
  disable_power_off: boolean;
  created_at: string;
  updated_at: string | null;
}

/** Fields of the API's node document and the minor version that introduced each. */
export const NODE_FIELD_SINCE: Readonly<Record<string, number>> = {
  uuid: 1, driver: 1, driver_info: 1, properties: 1, extra: 1, instance_info: 1, instance_uuid: 1,
  chassis_uuid: 1, power_state: 1, target_power_state: 1, provision_state: 1, target_provision_state: 1,
  provision_updated_at: 1, maintenance: 1, maintenance_reason: 1, last_error: 1, reservation: 1,
  console_enabled: 1, created_at: 1, updated_at: 1, links: 1, ports: 1,
  driver_internal_info: 3, name: 5, inspection_started_at: 6, inspection_finished_at: 6, clean_step: 7,
  raid_config: 12, target_raid_config: 12, states: 14, network_interface: 20, resource_class: 21, portgroups: 24,
  boot_interface: 31, console_interface: 31, deploy_interface: 31, inspect_interface: 31,
  management_interface: 31, power_interface: 31, raid_interface: 31, vendor_interface: 31, volume: 32,
  storage_interface: 33, traits: 37, rescue_interface: 38, bios_interface: 40, fault: 42, deploy_step: 44,
  conductor_group: 46, automated_clean: 47, protected: 48, protected_reason: 48, conductor: 49, owner: 50,
  description: 51, allocation_uuid: 52, retired: 61, retired_reason: 61, lessee: 65, network_data: 66,
  boot_mode: 75, secure_boot: 75, shard: 82, parent_node: 83, firmware_interface: 86, service_step: 87,
  disable_power_off: 95, instance_name: 104, health: 109,
};

/** The fields of `GET /v1/nodes` without detail. */
export const NODE_LIST_FIELDS = [
  'uuid', 'name', 'instance_uuid', 'power_state', 'provision_state', 'maintenance', 'links',
] as const;

/** Node fields a client may change with PATCH (and the version each became patchable, which is its `since`). */
export const NODE_PATCHABLE_FIELDS: ReadonlySet<string> = new Set([
  'automated_clean', 'bios_interface', 'boot_interface', 'chassis_uuid', 'conductor_group', 'console_interface',
  'deploy_interface', 'description', 'disable_power_off', 'driver', 'driver_info', 'extra', 'firmware_interface',
  'inspect_interface', 'instance_info', 'instance_name', 'instance_uuid', 'lessee', 'maintenance',
  'management_interface', 'name', 'network_data', 'network_interface', 'owner', 'parent_node', 'power_interface',
  'properties', 'protected', 'protected_reason', 'raid_interface', 'rescue_interface', 'resource_class', 'retired',
  'retired_reason', 'shard', 'storage_interface', 'vendor_interface',
]);

/** JSON fields cannot be sort keys. */
export const NODE_UNSORTABLE_FIELDS: ReadonlySet<string> = new Set([
  'properties', 'driver_info', 'extra', 'instance_info', 'driver_internal_info', 'clean_step', 'deploy_step',
  'raid_config', 'target_raid_config', 'traits', 'network_data', 'service_step',
]);

export const MAX_TRAITS = 50;
