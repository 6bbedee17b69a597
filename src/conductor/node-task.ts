import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { JsonObject, Node } from '../domain/node.js';
import type { Port, Portgroup } from '../domain/resources.js';
import { ProvisionState, fire, type ProvisionEvent } from '../domain/provision-state-machine.js';
import { nodeLocked, nodeNotFound, FerriteError } from '../domain/errors.js';
import type { NodeInterfaces, TaskContext } from '../drivers/interfaces.js';
import type { DriverRegistry } from '../drivers/registry.js';
import { now, type Store } from '../store/store.js';

/** Raised when a task finds its reservation gone (another conductor took the node over). */
export class ReservationLost extends Error {}

/**
 * A conductor task: the node's reservation held by this conductor, the node with its ports, and its resolved
 * interfaces. All changes to a node go through a task; provision state changes only through `fire`.
 */
export class NodeTask implements TaskContext {
  private released = false;

  private constructor(
    private readonly store: Store,
    readonly host: string,
    public node: Node,
    public ports: Port[],
    public portgroups: Portgroup[],
    readonly interfaces: NodeInterfaces,
    readonly purpose: string,
    readonly log: Logger,
    /** A shared task reads the node without reserving it (validation, boot device reads); it cannot save. */
    readonly shared = false,
  ) {}

  static async shared(
    store: Store, registry: DriverRegistry, host: string, node: Node, purpose: string, log: Logger,
    /** false for reads that never look at the wiring (a power state read), to spare two queries per node. */
    withPorts = true,
  ): Promise<NodeTask> {
    if (!withPorts) {
      return new NodeTask(store, host, node, [], [], registry.resolve(node), purpose, log.child({ node: node.uuid, task: purpose }), true);
    }
    const [ports, portgroups] = await Promise.all([
      store.ports.list({ filters: { node_uuid: node.uuid } }),
      store.portgroups.list({ filters: { node_uuid: node.uuid } }),
    ]);
    return new NodeTask(store, host, node, ports, portgroups, registry.resolve(node), purpose,
      log.child({ node: node.uuid, task: purpose }), true);
  }

  /**
   * Reserves the node for `host` or throws NodeLocked. The reservation is a compare-and-set on the row, so two
   * conductors (or two requests in one) can never both hold it.
   */
  static async acquire(
    store: Store, registry: DriverRegistry, host: string, node: Node, purpose: string, log: Logger,
  ): Promise<NodeTask> {
    const reserved = await store.nodes.reserve(node.id, host);
    if (!reserved) {
      const current = await store.nodes.getById(node.id);
      if (!current) throw nodeNotFound(node.uuid);
      throw nodeLocked(node.uuid, current.reservation ?? host);
    }
    try {
      const [ports, portgroups] = await Promise.all([
        store.ports.list({ filters: { node_uuid: reserved.uuid } }),
        store.portgroups.list({ filters: { node_uuid: reserved.uuid } }),
      ]);
      const interfaces = registry.resolve(reserved);
      return new NodeTask(store, host, reserved, ports, portgroups, interfaces, purpose,
        log.child({ node: reserved.uuid, task: purpose }));
    } catch (e) {
      await store.nodes.release(reserved.id, host);
      throw e;
    }
  }

  async save(changes: Partial<Node>): Promise<void> {
    if (this.shared) throw new Error(`task "${this.purpose}" holds no reservation and cannot change node ${this.node.uuid}`);
    const updated = await this.store.nodes.updateReserved(this.node.id, this.host, { ...changes, updated_at: now() });
    if (!updated) throw new ReservationLost(`reservation of node ${this.node.uuid} was lost`);
    this.node = updated;
  }

  async savePort(port: Port, changes: Partial<Port>): Promise<void> {
    const updated = await this.store.ports.update(port.id, { ...changes, updated_at: now() });
    if (updated) this.ports = this.ports.map((p) => (p.id === port.id ? updated : p));
  }

  async saveBiosSettings(settings: readonly { name: string; value: string | null }[]): Promise<void> {
    if (this.shared) throw new Error(`task "${this.purpose}" holds no reservation and cannot change node ${this.node.uuid}`);
    const uuid = this.node.uuid;
    await this.store.transaction(async (tx) => {
      const before = new Map((await tx.biosSettings.listForNode(uuid)).map((s) => [s.name, s]));
      const at = now();
      for (const { name, value } of settings) {
        const old = before.get(name);
        before.delete(name);
        if (!old) {
          await tx.biosSettings.insert({
            node_uuid: uuid, name, value, attribute_type: null, allowable_values: null, lower_bound: null,
            upper_bound: null, min_length: null, max_length: null, read_only: null, reset_required: null, unique: null,
            created_at: at, updated_at: null,
          });
        } else if (old.value !== value) {
          await tx.biosSettings.update(old.id, { value, updated_at: at });
        }
      }
      for (const gone of before.values()) await tx.biosSettings.delete(gone.id);
    });
  }

  async saveInventory(inventory: JsonObject, pluginData: JsonObject): Promise<void> {
    if (this.shared) throw new Error(`task "${this.purpose}" holds no reservation and cannot change node ${this.node.uuid}`);
    const uuid = this.node.uuid;
    await this.store.transaction(async (tx) => {
      const old = await tx.nodeInventory.getForNode(uuid);
      if (old) await tx.nodeInventory.update(old.id, { inventory_data: inventory, plugin_data: pluginData, updated_at: now() });
      else await tx.nodeInventory.insert({ node_uuid: uuid, inventory_data: inventory, plugin_data: pluginData, created_at: now(), updated_at: null });
    });
  }

  async addPort(address: string, fields: Partial<Pick<Port, 'pxe_enabled' | 'extra' | 'local_link_connection'>> = {}): Promise<Port | null> {
    if (this.shared) throw new Error(`task "${this.purpose}" holds no reservation and cannot add ports to node ${this.node.uuid}`);
    const normalized = address.toLowerCase();
    if (await this.store.ports.getByAddress(normalized)) return null;
    const port = await this.store.ports.insert({
      uuid: randomUUID(), node_uuid: this.node.uuid, address: normalized, portgroup_uuid: null, local_link_connection: {},
      pxe_enabled: true, physical_network: null, internal_info: {}, is_smartnic: false, name: null, description: null,
      extra: {}, ...fields, created_at: now(), updated_at: null,
    });
    this.ports = [...this.ports, port];
    return port;
  }

  async savePortgroup(portgroup: Portgroup, changes: Partial<Portgroup>): Promise<void> {
    const updated = await this.store.portgroups.update(portgroup.id, { ...changes, updated_at: now() });
    if (updated) this.portgroups = this.portgroups.map((p) => (p.id === portgroup.id ? updated : p));
  }

  /**
   * Fires a provision event and persists the resulting state with any other changes. `target` pins the target of
   * a shared transient state (manual cleaning heads for manageable).
   */
  async fire(event: ProvisionEvent, changes: Partial<Node> = {}, target?: ProvisionState | null): Promise<void> {
    const from = this.node.provision_state;
    const next = fire(from, event, target);
    await this.save({
      ...changes,
      provision_state: next.provisionState,
      target_provision_state: next.targetProvisionState,
      provision_updated_at: now(),
    });
    this.log.info({ from, to: next.provisionState, event }, 'provision state changed');
  }

  /** Fails the current action: fires `fail`, records the error on the node and in its history. */
  async fail(error: unknown, eventType: string, changes: Partial<Node> = {}): Promise<void> {
    const message = describeError(error);
    this.log.warn({ err: message, event: eventType }, 'action failed');
    await this.fire('fail', { ...changes, last_error: message }, this.keptTarget());
    await this.recordHistory(eventType, message, 'ERROR');
  }

  /**
   * A manual cleaning shares its states with automated cleaning but heads for manageable; its failure and abort
   * keep that target (undefined: the table's own target).
   */
  keptTarget(): ProvisionState | undefined {
    const cleaning: readonly string[] = [ProvisionState.cleaning, ProvisionState.cleanWait, ProvisionState.cleanHold];
    return cleaning.includes(this.node.provision_state) && this.node.target_provision_state === ProvisionState.manageable
      ? ProvisionState.manageable
      : undefined;
  }

  async recordHistory(eventType: string, event: string, severity: 'ERROR' | 'INFO' | 'WARNING'): Promise<void> {
    await this.store.history.insert({
      uuid: randomUUID(), node_uuid: this.node.uuid, conductor: this.host, event_type: eventType, event,
      severity, user: null, created_at: now(), updated_at: null,
    });
  }

  async release(): Promise<void> {
    if (this.released || this.shared) return;
    this.released = true;
    await this.store.nodes.release(this.node.id, this.host);
  }
}

export function describeError(error: unknown): string {
  if (error instanceof FerriteError) return error.message;
  if (error instanceof Error) return error.message || error.name;
  return String(error);
}
