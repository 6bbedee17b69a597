import { randomUUID } from 'node:crypto';
import { now } from '../../src/store/store.js';
import type { Node } from '../../src/domain/node.js';

/** A complete node record as the store takes it (fake-hardware, enroll), with `overrides` applied. */
export function newNode(overrides: Partial<Node> = {}): Omit<Node, 'id'> {
  const n: Omit<Node, 'id'> = {
    uuid: randomUUID(), name: null, driver: 'fake-hardware', driver_info: {}, driver_internal_info: {}, properties: {},
    extra: {}, instance_info: {}, instance_uuid: null, chassis_uuid: null, power_state: null, target_power_state: null,
    provision_state: 'enroll', target_provision_state: null, provision_updated_at: null, maintenance: false,
    maintenance_reason: null, fault: null, last_error: null, reservation: null, console_enabled: false, clean_step: {},
    deploy_step: {}, service_step: {}, raid_config: {}, target_raid_config: {}, inspection_started_at: null,
    inspection_finished_at: null, resource_class: null, bios_interface: 'fake', boot_interface: 'fake',
    console_interface: 'fake', deploy_interface: 'fake', firmware_interface: 'fake', inspect_interface: 'fake',
    management_interface: 'fake', network_interface: 'noop', power_interface: 'fake', raid_interface: 'fake',
    rescue_interface: 'fake', storage_interface: 'noop', vendor_interface: 'fake', traits: [], conductor_group: '',
    conductor_affinity: null, automated_clean: null, protected: false, protected_reason: null, owner: null, lessee: null,
    description: null, allocation_uuid: null, retired: false, retired_reason: null, network_data: {}, boot_mode: null,
    secure_boot: null, shard: null, parent_node: null, disable_power_off: false, created_at: now(), updated_at: null,
  };
  return { ...n, ...overrides };
}
