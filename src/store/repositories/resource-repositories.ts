import type {
  Allocation, BiosSetting, Chassis, NodeInventory, DeployTemplate, HistoryEvent, Port, Portgroup, VolumeConnector, VolumeTarget,
} from '../../domain/resources.js';
import { RowCodec, TableRepository } from '../table-repository.js';

/** Repositories whose needs are plain lookups and lists; each adds only its own unique keys. */

export class PortRepository extends TableRepository<'ports', Port> {
  getByAddress(address: string) {
    return this.one('address', address);
  }
  getByName(name: string) {
    return this.one('name', name);
  }
}

export class PortgroupRepository extends TableRepository<'portgroups', Portgroup> {
  getByName(name: string) {
    return this.one('name', name);
  }
  getByAddress(address: string) {
    return this.one('address', address);
  }
}

export class BiosSettingRepository extends TableRepository<'bios_settings', BiosSetting> {
  listForNode(nodeUuid: string): Promise<BiosSetting[]> {
    return this.list({ filters: { node_uuid: nodeUuid }, sortKey: 'name', sortDir: 'asc' });
  }

  async deleteForNode(nodeUuid: string): Promise<void> {
    await this.db.deleteFrom('bios_settings').where('node_uuid', '=', nodeUuid).execute();
  }
}

export class NodeInventoryRepository extends TableRepository<'node_inventory', NodeInventory> {
  getForNode(nodeUuid: string) {
    return this.one('node_uuid', nodeUuid);
  }

  async deleteForNode(nodeUuid: string): Promise<void> {
    await this.db.deleteFrom('node_inventory').where('node_uuid', '=', nodeUuid).execute();
  }
}

export class ChassisRepository extends TableRepository<'chassis', Chassis> {}

export class HistoryRepository extends TableRepository<'node_history', HistoryEvent> {}

export class AllocationRepository extends TableRepository<'allocations', Allocation> {
  getByName(name: string) {
    return this.one('name', name);
  }
  getByNodeUuid(nodeUuid: string) {
    return this.one('node_uuid', nodeUuid);
  }
  /** Deletes the allocation only while no node is assigned to it; false if one was assigned meanwhile (or it is gone). */
  async deleteUnassigned(id: number): Promise<boolean> {
    const res = await this.db.deleteFrom('allocations').where('id', '=', id).where('node_uuid', 'is', null).executeTakeFirst();
    return res.numDeletedRows > 0n;
  }
  /** Moves an allocation to another conductor if `from` still has it (two conductors never both take it over). */
  async takeOver(id: number, from: string | null, to: string): Promise<boolean> {
    let q = this.db.updateTable('allocations').set({ conductor_affinity: to }).where('id', '=', id);
    q = from === null ? q.where('conductor_affinity', 'is', null) : q.where('conductor_affinity', '=', from);
    const res = await q.executeTakeFirst();
    return res.numUpdatedRows > 0n;
  }
}

export class DeployTemplateRepository extends TableRepository<'deploy_templates', DeployTemplate> {
  getByName(name: string) {
    return this.one('name', name);
  }
}

export class VolumeConnectorRepository extends TableRepository<'volume_connectors', VolumeConnector> {}
export class VolumeTargetRepository extends TableRepository<'volume_targets', VolumeTarget> {}

export const codecs = {
  ports: new RowCodec<Port>(['local_link_connection', 'internal_info', 'extra'], ['pxe_enabled', 'is_smartnic']),
  portgroups: new RowCodec<Portgroup>(['internal_info', 'extra', 'properties'], ['standalone_ports_supported']),
  chassis: new RowCodec<Chassis>(['extra'], []),
  history: new RowCodec<HistoryEvent>([], []),
  biosSettings: new RowCodec<BiosSetting>(['allowable_values'], ['read_only', 'reset_required', 'unique']),
  nodeInventory: new RowCodec<NodeInventory>(['inventory_data', 'plugin_data'], []),
  allocations: new RowCodec<Allocation>(['traits', 'candidate_nodes', 'extra'], []),
  deployTemplates: new RowCodec<DeployTemplate>(['steps', 'extra'], []),
  volumeConnectors: new RowCodec<VolumeConnector>(['extra'], []),
  volumeTargets: new RowCodec<VolumeTarget>(['properties', 'extra'], []),
};
