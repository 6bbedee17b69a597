import { randomUUID } from 'node:crypto';
import { INTERFACE_SLOTS, MAX_TRAITS, type InterfaceSlot, type JsonObject, type Node } from '../domain/node.js';
import {
  Conflict, DuplicateName, InvalidParameterValue, InvalidState, NodeAssociated, NodeProtected, NotFound,
} from '../domain/errors.js';
import {
  DELETE_ALLOWED_STATES, ProvisionState, UPDATE_ALLOWED_STATES,
} from '../domain/provision-state-machine.js';
import { isValidTrait } from '../domain/validation.js';
import type { ConductorCore } from './conductor.js';
import type { NodeTask } from './node-task.js';
import { removeNodeAllocation } from './allocations.js';

/** States in which an allocated node's instance_uuid may be removed without maintenance. */
const INSTANCE_REMOVABLE_STATES: ReadonlySet<string> = new Set([
  ProvisionState.enroll, ProvisionState.inspecting, ProvisionState.inspectWait, ProvisionState.manageable,
  ProvisionState.available,
]);

export type NodeCreate = Partial<Omit<Node, 'id'>>;

/** Node creation, update and deletion, with the rules Ironic applies in its conductor. */
export class NodeOperations {
  constructor(private readonly core: ConductorCore) {}

  private get store() {
    return this.core.store;
  }

  async create(fields: NodeCreate, minor: number): Promise<Node> {
    const registry = this.core.registry;
    const driver = fields.driver!;
    registry.defaultInterface(driver, 'power'); // throws NoValidHost for unknown or disabled hardware types
    const interfaces = {} as Record<`${InterfaceSlot}_interface`, string>;
    for (const slot of INTERFACE_SLOTS) {
      const given = fields[`${slot}_interface`];
      if (given !== undefined && given !== null) registry.checkInterface(driver, slot, given);
      interfaces[`${slot}_interface`] = given ?? registry.defaultInterface(driver, slot);
    }
    await this.checkUnique(fields);
    if (fields.chassis_uuid) await this.requireChassis(fields.chassis_uuid);
    const uuid = fields.uuid ?? randomUUID();
    const node: Omit<Node, 'id'> = {
      uuid, name: null, driver, driver_info: {}, driver_internal_info: {}, properties: {}, extra: {},
      instance_info: {}, instance_uuid: null, chassis_uuid: null, power_state: null, target_power_state: null,
      // before 1.11 new nodes were immediately available
      provision_state: minor >= 11 ? ProvisionState.enroll : ProvisionState.available,
      target_provision_state: null, provision_updated_at: null, maintenance: false, maintenance_reason: null,
      fault: null, last_error: null, reservation: null, console_enabled: false, clean_step: {}, deploy_step: {},
      service_step: {}, raid_config: {}, target_raid_config: {}, inspection_started_at: null,
      inspection_finished_at: null, resource_class: null, traits: [], conductor_group: '',
      conductor_affinity: this.core.hostname, automated_clean: null, protected: false, protected_reason: null,
      owner: null, lessee: null, description: null, allocation_uuid: null, retired: false, retired_reason: null,
      network_data: {}, boot_mode: null, secure_boot: null, shard: null, parent_node: null,
      disable_power_off: false, created_at: this.core.now(), updated_at: null,
      ...fields,
      ...interfaces,
    };
    checkFlagReasons(node);
    try {
      return await this.store.nodes.insert(node);
    } catch (e) {
      await this.checkUnique(fields); // a concurrent create won the race: report it as Ironic does
      throw e;
    }
  }

  private async checkUnique(fields: Partial<Node>, self?: Node): Promise<void> {
    if (fields.uuid && (await this.store.nodes.getByUuid(fields.uuid))) {
      throw new Conflict(`A node with UUID ${fields.uuid} already exists.`);
    }
    if (fields.name) {
      const other = await this.store.nodes.getByName(fields.name);
      if (other && other.id !== self?.id) throw new DuplicateName(`A node with name ${fields.name} already exists.`);
    }
    if (fields.instance_uuid) {
      const other = await this.store.nodes.getByInstanceUuid(fields.instance_uuid);
      if (other && other.id !== self?.id) {
        throw new Conflict(`Instance ${fields.instance_uuid} is already associated with a node, it cannot be associated with this other node ${self?.uuid ?? fields.uuid ?? ''}`);
      }
    }
  }

  private async requireChassis(uuid: string): Promise<void> {
    if (!(await this.store.chassis.getByUuid(uuid))) throw new InvalidParameterValue(`Chassis ${uuid} could not be found.`);
  }

  /**
   * Applies changes computed from a PATCH. `resetInterfaces` resets every interface not explicitly changed to the
   * new driver's default when the driver changes (Ironic's `?reset_interfaces=true`).
   */
  async update(ident: string, changes: Partial<Node>, resetInterfaces: boolean): Promise<Node> {
    return this.core.withTask(ident, 'node update', async (task) => {
      const node = task.node;
      if (node.target_provision_state !== null && !UPDATE_ALLOWED_STATES.has(node.provision_state)) {
        throw new Conflict(`Node ${node.uuid} can not be updated while a state transition is in progress.`);
      }
      const next: Partial<Node> = { ...changes };
      const driver = next.driver ?? node.driver;
      const registry = this.core.registry;
      if (next.driver !== undefined && next.driver !== node.driver) {
        registry.defaultInterface(driver, 'power');
        for (const slot of INTERFACE_SLOTS) {
          const field = `${slot}_interface` as const;
          if (field in changes) continue;
          if (resetInterfaces) next[field] = registry.defaultInterface(driver, slot);
          else registry.checkInterface(driver, slot, node[field]);
        }
      }
      for (const slot of INTERFACE_SLOTS) {
        const field = `${slot}_interface` as const;
        if (!(field in changes)) continue;
        const value = changes[field];
        if (value === null || value === undefined) next[field] = registry.defaultInterface(driver, slot);
        else registry.checkInterface(driver, slot, value);
      }
      if ('instance_uuid' in changes && node.instance_uuid && changes.instance_uuid && changes.instance_uuid !== node.instance_uuid) {
        throw new NodeAssociated(`Node ${node.uuid} is associated with instance ${node.instance_uuid}.`);
      }
      if ('instance_uuid' in changes && changes.instance_uuid === null && node.allocation_uuid) {
        // Removing the instance of an allocated node releases its allocation, as in Ironic.
        if (!node.maintenance && !INSTANCE_REMOVABLE_STATES.has(node.provision_state)) {
          throw new InvalidState(`Cannot remove instance_uuid from node ${node.uuid} in provision state ${node.provision_state} unless it is in maintenance`);
        }
        await removeNodeAllocation(this.store, task);
      }
      if (changes.maintenance === false) {
        next.maintenance_reason = null;
        next.fault = null;
      }
      if (changes.chassis_uuid) await this.requireChassis(changes.chassis_uuid);
      if (changes.protected === true && node.provision_state !== ProvisionState.active && node.provision_state !== ProvisionState.rescue) {
        throw new InvalidState(`Node ${node.uuid} can only be protected in the active or rescue state`);
      }
      if (changes.protected === false && !('protected_reason' in changes)) next.protected_reason = null;
      if (changes.retired === false && !('retired_reason' in changes)) next.retired_reason = null;
      await this.checkUnique({ name: changes.name ?? undefined, instance_uuid: changes.instance_uuid ?? undefined }, node);
      checkFlagReasons({ ...node, ...next });
      await task.save(next);
      return task.node;
    });
  }

  async destroy(ident: string): Promise<void> {
    await this.core.withTask(ident, 'node deletion', async (task) => {
      const node = task.node;
      if (node.protected) throw new NodeProtected(`Node ${node.uuid} is protected and cannot be undeployed, rebuilt or deleted`);
      if (node.instance_uuid && !node.maintenance) {
        throw new NodeAssociated(`Node ${node.uuid} is associated with instance ${node.instance_uuid}.`);
      }
      const allowed = DELETE_ALLOWED_STATES.has(node.provision_state) &&
        (node.provision_state !== ProvisionState.available || this.core.config.conductor.allowDeletingAvailableNodes);
      if (!node.maintenance && !allowed) {
        throw new InvalidState(`Can not delete node "${node.uuid}" while it is in provision state "${node.provision_state}". Valid provision states to start deletion are: ${[...DELETE_ALLOWED_STATES].join(', ')}, or put the node in maintenance mode`);
      }
      await this.store.transaction(async (tx) => {
        for (const port of task.ports) await tx.ports.delete(port.id);
        for (const pg of task.portgroups) await tx.portgroups.delete(pg.id);
        for (const c of await tx.volumeConnectors.list({ filters: { node_uuid: node.uuid } })) await tx.volumeConnectors.delete(c.id);
        for (const t of await tx.volumeTargets.list({ filters: { node_uuid: node.uuid } })) await tx.volumeTargets.delete(t.id);
        for (const h of await tx.history.list({ filters: { node_uuid: node.uuid } })) await tx.history.delete(h.id);
        await tx.biosSettings.deleteForNode(node.uuid);
        await tx.nodeInventory.deleteForNode(node.uuid);
        if (node.allocation_uuid) {
          const alloc = await tx.allocations.getByUuid(node.allocation_uuid);
          if (alloc) await tx.allocations.delete(alloc.id);
        }
        await tx.nodes.delete(node.id);
      });
    });
  }

  async setMaintenance(ident: string, on: boolean, reason: string | null): Promise<void> {
    await this.core.withTask(ident, 'maintenance', async (task) => {
      await task.save(on ? { maintenance: true, maintenance_reason: reason } : { maintenance: false, maintenance_reason: null, fault: null });
    });
  }

  async setTraits(ident: string, traits: string[]): Promise<void> {
    if (traits.length > MAX_TRAITS) throw new InvalidParameterValue(`Could not modify traits for node: at most ${MAX_TRAITS} traits are allowed.`);
    for (const t of traits) if (!isValidTrait(t)) throw new InvalidParameterValue(`Invalid trait ${String(t)}.`);
    await this.core.withTask(ident, 'set traits', (task) => task.save({ traits: [...new Set(traits)] }));
  }

  async addTrait(ident: string, trait: string): Promise<void> {
    if (!isValidTrait(trait)) throw new InvalidParameterValue(`Invalid trait ${trait}.`);
    await this.core.withTask(ident, 'add trait', async (task) => {
      if (task.node.traits.includes(trait)) return;
      if (task.node.traits.length >= MAX_TRAITS) {
        throw new InvalidParameterValue(`Could not modify traits for node ${task.node.uuid}: it would have more than ${MAX_TRAITS} traits.`);
      }
      await task.save({ traits: [...task.node.traits, trait] });
    });
  }

  async removeTrait(ident: string, trait: string | null): Promise<void> {
    await this.core.withTask(ident, 'remove trait', async (task) => {
      if (trait === null) return task.save({ traits: [] });
      if (!task.node.traits.includes(trait)) {
        throw new NotFound(`Node ${task.node.uuid} doesn't have a trait ${trait}`);
      }
      await task.save({ traits: task.node.traits.filter((t) => t !== trait) });
    });
  }

  /** Records the RAID layout to build at the next cleaning; the node's raid interface must accept it. */
  async setTargetRaidConfig(ident: string, config: JsonObject): Promise<void> {
    await this.core.withTask(ident, 'set target raid config', async (task) => {
      await task.interfaces.raid.validate(task);
      await task.save({ target_raid_config: config });
    });
  }

  /** Each interface's validation result, as `GET /v1/nodes/{id}/validate` shows it. */
  async validate(ident: string): Promise<Record<string, { result: boolean; reason?: string }>> {
    return this.core.withSharedTask(ident, 'validate', async (task: NodeTask) => {
      const out: Record<string, { result: boolean; reason?: string }> = {};
      // As in Ironic, the vendor interface is validated per passthru method, not here.
      for (const slot of INTERFACE_SLOTS) {
        if (slot === 'vendor') continue;
        try {
          const impl = task.interfaces[slot];
          await impl.validate(task);
          if (impl.checkReachable) await impl.checkReachable(task);
          out[slot] = { result: true };
        } catch (e) {
          out[slot] = { result: false, reason: e instanceof Error ? e.message : String(e) };
        }
      }
      return out;
    });
  }
}

function checkFlagReasons(node: Pick<Node, 'protected' | 'protected_reason' | 'retired' | 'retired_reason'>): void {
  if (node.protected_reason && !node.protected) {
    throw new InvalidParameterValue('The protected_reason field can only be set when protected is True');
  }
  if (node.retired_reason && !node.retired) {
    throw new InvalidParameterValue('The retired_reason field can only be set when retired is True');
  }
}
