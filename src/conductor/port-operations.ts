import { randomUUID } from 'node:crypto';
import type { Port, Portgroup, VolumeConnector, VolumeTarget } from '../domain/resources.js';
import type { Node } from '../domain/node.js';
import {
  Conflict, InvalidParameterValue, InvalidState, PortgroupNotEmpty, invalidTransition,
} from '../domain/errors.js';
import type { ConductorCore } from './conductor.js';
import type { NodeTask } from './node-task.js';

type New<T> = Omit<T, 'id' | 'created_at' | 'updated_at'>;

/** Ironic's `[DEFAULT] default_portgroup_mode`: the bonding mode of a portgroup created without one. */
const DEFAULT_PORTGROUP_MODE = 'active-backup';
/** Provision states in which a port's network wiring (and a portgroup's node) may change outside maintenance. */
const WIRING_STATES = ['enroll', 'inspecting', 'inspect wait', 'manageable'];
/** Port fields that describe how the port is wired; Ironic calls them connectivity attributes. */
const WIRING_FIELDS = ['portgroup_uuid', 'pxe_enabled', 'local_link_connection', 'physical_network'] as const;
/** internal_info keys holding a VIF bound to a port, and what the VIF is used for. */
const VIF_USES: [string, string][] = [
  ['tenant_vif_port_id', 'tenant'], ['cleaning_vif_port_id', 'cleaning'], ['provisioning_vif_port_id', 'provisioning'],
  ['rescuing_vif_port_id', 'rescuing'], ['inspection_vif_port_id', 'inspecting'],
];

function attachedVif(port: Port): [string, string] | undefined {
  for (const [key, use] of VIF_USES) {
    const vif = port.internal_info[key];
    if (typeof vif === 'string' && vif !== '') return [vif, use];
  }
  return undefined;
}

const differs = (a: unknown, b: unknown) => JSON.stringify(a ?? null) !== JSON.stringify(b ?? null);

/**
 * Changes to a node's ports, portgroups, VIFs and volume records. Each runs under the owning node's reservation,
 * so it cannot interleave with a deployment that reads them.
 */
export class PortOperations {
  constructor(private readonly core: ConductorCore) {}

  private get store() {
    return this.core.store;
  }

  private async nodeFor(nodeUuid: string): Promise<string> {
    const node = await this.store.nodes.getByUuid(nodeUuid);
    if (!node) throw new InvalidParameterValue(`Node ${nodeUuid} could not be found.`);
    return node.uuid;
  }

  /**
   * Uniqueness and portgroup membership. The physical network must match the other members' when the port joins
   * a portgroup or changes network; `pxeRequested` is a create request that explicitly asked for PXE.
   */
  private async checkPort(port: New<Port>, self?: Port, pxeRequested = false): Promise<void> {
    const byAddress = await this.store.ports.getByAddress(port.address);
    if (byAddress && byAddress.id !== self?.id) throw new Conflict(`A port with MAC address ${port.address} already exists.`);
    if (port.name) {
      const byName = await this.store.ports.getByName(port.name);
      if (byName && byName.id !== self?.id) throw new Conflict(`A port with name ${port.name} already exists.`);
    }
    if (!port.portgroup_uuid) return;
    const pg = await this.store.portgroups.getByUuid(port.portgroup_uuid);
    if (!pg) throw new InvalidParameterValue(`Portgroup ${port.portgroup_uuid} could not be found.`);
    if (pg.node_uuid !== port.node_uuid) throw new InvalidParameterValue('Port can not be added to a portgroup belonging to a different node.');
    if (pxeRequested && !pg.standalone_ports_supported) {
      throw new Conflict(
        `Port group ${pg.uuid} doesn't support standalone ports. This port cannot be created as a member of that portgroup as the port's 'pxe_enabled' field was set to True.`,
      );
    }
    if (self && !differs(self.portgroup_uuid, port.portgroup_uuid) && !differs(self.physical_network, port.physical_network)) return;
    const members = await this.store.ports.list({ filters: { portgroup_uuid: pg.uuid } });
    const physnets = new Set(members.filter((m) => m.id !== self?.id).map((m) => m.physical_network));
    if (physnets.size > 0 && !physnets.has(port.physical_network)) {
      throw new Conflict(
        `Port with physical network ${String(port.physical_network)} cannot become a member of port group ${pg.uuid} which has ports in physical network ${[...physnets].map(String).join(', ')}.`,
      );
    }
  }

  async createPort(fields: Partial<New<Port>> & { address: string; node_uuid: string }): Promise<Port> {
    const nodeUuid = await this.nodeFor(fields.node_uuid);
    return this.core.withTask(nodeUuid, 'port create', async () => {
      const port: New<Port> = {
        uuid: fields.uuid ?? randomUUID(), portgroup_uuid: null, local_link_connection: {}, pxe_enabled: true,
        physical_network: null, internal_info: {}, is_smartnic: false, name: null, description: null, extra: {},
        ...fields,
        node_uuid: nodeUuid,
      };
      if (await this.store.ports.getByUuid(port.uuid)) throw new Conflict(`A port with UUID ${port.uuid} already exists.`);
      await this.checkPort(port, undefined, fields.pxe_enabled === true);
      return this.store.ports.insert({ ...port, created_at: this.core.now(), updated_at: null });
    });
  }

  /**
   * Ironic's rules run against the node the port ends up on: its hardware address is fixed while that node is
   * active or has an instance (outside maintenance), and its wiring only changes while the node is enrolled,
   * manageable or being inspected (or in maintenance). A port moving between nodes holds both reservations.
   */
  async updatePort(port: Port, changes: Partial<Port>): Promise<Port> {
    const next = { ...port, ...changes };
    const moving = next.node_uuid !== port.node_uuid;
    if (moving) await this.nodeFor(next.node_uuid);
    const apply = async (task: NodeTask) => {
      const node = task.node;
      if (differs(port.address, next.address) && (node.provision_state === 'active' || node.instance_uuid) && !node.maintenance) {
        throw new InvalidState(`Cannot update hardware address for port ${port.uuid} as node ${node.uuid} is active or has instance UUID assigned`);
      }
      if (WIRING_FIELDS.some((f) => differs(port[f], next[f])) && !wiringChangeAllowed(node)) {
        throw new InvalidState(
          `Port ${port.uuid} can not have any connectivity attributes (${WIRING_FIELDS.join(', ')}) updated unless node ${node.uuid} is in a ${WIRING_STATES.join(', ')} state or in maintenance mode. The current state is ${node.provision_state}.`,
        );
      }
      await this.checkPort(next, port);
      const updated = await this.store.ports.update(port.id, { ...changes, updated_at: this.core.now() });
      return updated!;
    };
    return this.core.withTask(port.node_uuid, 'port update', (task) => (moving ? this.core.withTask(next.node_uuid, 'port update', apply) : apply(task)));
  }

  async destroyPort(port: Port): Promise<void> {
    await this.core.withTask(port.node_uuid, 'port delete', async (task) => {
      const vif = attachedVif((await this.store.ports.getById(port.id)) ?? port);
      if (vif && !task.node.maintenance) throw new InvalidState(`Cannot delete the port ${port.uuid} as it is bound to VIF ${vif[0]} for ${vif[1]} use.`);
      await this.store.ports.delete(port.id);
    });
  }

  private async checkPortgroup(pg: New<Portgroup>, self?: Portgroup): Promise<void> {
    if (pg.address) {
      const other = await this.store.portgroups.getByAddress(pg.address);
      if (other && other.id !== self?.id) throw new Conflict(`A portgroup with MAC address ${pg.address} already exists.`);
    }
    if (pg.name) {
      const other = await this.store.portgroups.getByName(pg.name);
      if (other && other.id !== self?.id) throw new Conflict(`A portgroup with name ${pg.name} already exists.`);
    }
  }

  async createPortgroup(fields: Partial<New<Portgroup>> & { node_uuid: string }): Promise<Portgroup> {
    const nodeUuid = await this.nodeFor(fields.node_uuid);
    return this.core.withTask(nodeUuid, 'portgroup create', async () => {
      const pg: New<Portgroup> = {
        uuid: fields.uuid ?? randomUUID(), name: null, address: null, standalone_ports_supported: true,
        internal_info: {}, extra: {}, properties: {},
        ...fields,
        mode: fields.mode || DEFAULT_PORTGROUP_MODE,
        node_uuid: nodeUuid,
      };
      if (await this.store.portgroups.getByUuid(pg.uuid)) throw new Conflict(`A portgroup with UUID ${pg.uuid} already exists.`);
      await this.checkPortgroup(pg);
      return this.store.portgroups.insert({ ...pg, created_at: this.core.now(), updated_at: null });
    });
  }

  /** A portgroup moves to another node only while that node may be rewired, and only without member ports. */
  async updatePortgroup(pg: Portgroup, changes: Partial<Portgroup>): Promise<Portgroup> {
    const moving = changes.node_uuid !== undefined && changes.node_uuid !== pg.node_uuid;
    const target = moving ? await this.nodeFor(changes.node_uuid!) : pg.node_uuid;
    const apply = async (task: NodeTask) => {
      if (moving) {
        if (!wiringChangeAllowed(task.node)) {
          throw new InvalidState(
            `Portgroup ${pg.uuid} can not be associated to node ${task.node.uuid} unless the node is in a ${WIRING_STATES.join(', ')} state or in maintenance mode.`,
          );
        }
        if ((await this.store.ports.count({ portgroup_uuid: pg.uuid })) > 0) {
          throw new PortgroupNotEmpty(
            `Portgroup ${pg.uuid} can not be associated with node ${task.node.uuid} because there are ports associated with this portgroup.`,
          );
        }
      }
      await this.checkPortgroup({ ...pg, ...changes }, pg);
      return (await this.store.portgroups.update(pg.id, { ...changes, updated_at: this.core.now() }))!;
    };
    return this.core.withTask(pg.node_uuid, 'portgroup update', (task) => (moving ? this.core.withTask(target, 'portgroup update', apply) : apply(task)));
  }

  async destroyPortgroup(pg: Portgroup): Promise<void> {
    await this.core.withTask(pg.node_uuid, 'portgroup delete', async () => {
      if ((await this.store.ports.count({ portgroup_uuid: pg.uuid })) > 0) {
        throw new PortgroupNotEmpty(`Cannot complete the requested action because portgroup ${pg.uuid} contains ports.`);
      }
      await this.store.portgroups.delete(pg.id);
    });
  }

  vifList(ident: string) {
    return this.core.withSharedTask(ident, 'vif list', (task) => task.interfaces.network.vifList(task));
  }

  async vifAttach(ident: string, vif: { id: string; port_uuid?: string; portgroup_uuid?: string }): Promise<void> {
    await this.core.withTask(ident, 'vif attach', (task: NodeTask) => task.interfaces.network.vifAttach(task, vif));
  }

  async vifDetach(ident: string, vifId: string): Promise<void> {
    await this.core.withTask(ident, 'vif detach', (task: NodeTask) => task.interfaces.network.vifDetach(task, vifId));
  }

  async createVolumeConnector(fields: New<VolumeConnector>): Promise<VolumeConnector> {
    const nodeUuid = await this.nodeFor(fields.node_uuid);
    return this.core.withTask(nodeUuid, 'volume connector create', async () => {
      if (await this.store.volumeConnectors.getByUuid(fields.uuid)) throw new Conflict(`A volume connector with UUID ${fields.uuid} already exists.`);
      await this.checkConnectorUnique(fields);
      return this.store.volumeConnectors.insert({ ...fields, node_uuid: nodeUuid, created_at: this.core.now(), updated_at: null });
    });
  }

  private async checkConnectorUnique(c: New<VolumeConnector>, self?: VolumeConnector): Promise<void> {
    const same = await this.store.volumeConnectors.list({ filters: { type: c.type, connector_id: c.connector_id } });
    if (same.some((o) => o.id !== self?.id)) {
      throw new Conflict(`A volume connector with type ${c.type} and connector ID ${c.connector_id} already exists.`);
    }
  }

  async updateVolumeConnector(c: VolumeConnector, changes: Partial<VolumeConnector>): Promise<VolumeConnector> {
    if (changes.node_uuid !== undefined) await this.nodeFor(changes.node_uuid);
    return this.core.withTask(c.node_uuid, 'volume connector update', async (task) => {
      requirePoweredOff(task, 'volume connector update');
      await this.checkConnectorUnique({ ...c, ...changes }, c);
      return (await this.store.volumeConnectors.update(c.id, { ...changes, updated_at: this.core.now() }))!;
    });
  }

  async destroyVolumeConnector(c: VolumeConnector): Promise<void> {
    await this.core.withTask(c.node_uuid, 'volume connector delete', async (task) => {
      requirePoweredOff(task, 'volume connector deletion');
      await this.store.volumeConnectors.delete(c.id);
    });
  }

  private async checkTargetUnique(t: New<VolumeTarget>, self?: VolumeTarget): Promise<void> {
    const same = await this.store.volumeTargets.list({ filters: { node_uuid: t.node_uuid, boot_index: t.boot_index } });
    if (same.some((o) => o.id !== self?.id)) {
      throw new Conflict(`A volume target with boot index '${t.boot_index}' for the same node already exists.`);
    }
  }

  async createVolumeTarget(fields: New<VolumeTarget>): Promise<VolumeTarget> {
    const nodeUuid = await this.nodeFor(fields.node_uuid);
    return this.core.withTask(nodeUuid, 'volume target create', async () => {
      if (await this.store.volumeTargets.getByUuid(fields.uuid)) throw new Conflict(`A volume target with UUID ${fields.uuid} already exists.`);
      await this.checkTargetUnique(fields);
      return this.store.volumeTargets.insert({ ...fields, node_uuid: nodeUuid, created_at: this.core.now(), updated_at: null });
    });
  }

  async updateVolumeTarget(t: VolumeTarget, changes: Partial<VolumeTarget>): Promise<VolumeTarget> {
    if (changes.node_uuid !== undefined) await this.nodeFor(changes.node_uuid);
    return this.core.withTask(t.node_uuid, 'volume target update', async (task) => {
      requirePoweredOff(task, 'volume target update');
      await this.checkTargetUnique({ ...t, ...changes }, t);
      return (await this.store.volumeTargets.update(t.id, { ...changes, updated_at: this.core.now() }))!;
    });
  }

  async destroyVolumeTarget(t: VolumeTarget): Promise<void> {
    await this.core.withTask(t.node_uuid, 'volume target delete', async (task) => {
      requirePoweredOff(task, 'volume target deletion');
      await this.store.volumeTargets.delete(t.id);
    });
  }
}

function wiringChangeAllowed(node: Node): boolean {
  return node.maintenance || WIRING_STATES.includes(node.provision_state);
}

/** Volume records of a powered node are in use by its instance: Ironic changes them only when it is off. */
function requirePoweredOff(task: NodeTask, action: string): void {
  if (task.node.power_state !== 'power off') throw invalidTransition(action, task.node.uuid, task.node.power_state ?? 'None');
}
