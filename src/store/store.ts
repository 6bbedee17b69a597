import type { Database } from './database.js';
import { NodeRepository, nodeCodec } from './repositories/node-repository.js';
import { NodeEventRepository } from './repositories/node-event-repository.js';
import { ConductorRepository, conductorCodec } from './repositories/conductor-repository.js';
import {
  AllocationRepository, BiosSettingRepository, NodeInventoryRepository, ChassisRepository, DeployTemplateRepository, HistoryRepository, PortRepository,
  PortgroupRepository, VolumeConnectorRepository, VolumeTargetRepository, codecs,
} from './repositories/resource-repositories.js';

/** All repositories over one database. */
export class Store {
  readonly nodes: NodeRepository;
  readonly ports: PortRepository;
  readonly portgroups: PortgroupRepository;
  readonly chassis: ChassisRepository;
  readonly conductors: ConductorRepository;
  readonly history: HistoryRepository;
  readonly allocations: AllocationRepository;
  readonly deployTemplates: DeployTemplateRepository;
  readonly volumeConnectors: VolumeConnectorRepository;
  readonly volumeTargets: VolumeTargetRepository;
  readonly biosSettings: BiosSettingRepository;
  readonly nodeInventory: NodeInventoryRepository;
  readonly nodeEvents: NodeEventRepository;

  constructor(readonly database: Database) {
    const db = database.db;
    this.nodes = new NodeRepository(db, 'nodes', nodeCodec);
    this.nodes.selectTable = database.selectTable;
    this.nodes.dialect = database.dialect;
    this.ports = new PortRepository(db, 'ports', codecs.ports);
    this.portgroups = new PortgroupRepository(db, 'portgroups', codecs.portgroups);
    this.chassis = new ChassisRepository(db, 'chassis', codecs.chassis);
    this.conductors = new ConductorRepository(db, 'conductors', conductorCodec);
    this.history = new HistoryRepository(db, 'node_history', codecs.history);
    this.allocations = new AllocationRepository(db, 'allocations', codecs.allocations);
    this.deployTemplates = new DeployTemplateRepository(db, 'deploy_templates', codecs.deployTemplates);
    this.volumeConnectors = new VolumeConnectorRepository(db, 'volume_connectors', codecs.volumeConnectors);
    this.volumeTargets = new VolumeTargetRepository(db, 'volume_targets', codecs.volumeTargets);
    this.biosSettings = new BiosSettingRepository(db, 'bios_settings', codecs.biosSettings);
    this.nodeInventory = new NodeInventoryRepository(db, 'node_inventory', codecs.nodeInventory);
    this.nodeEvents = new NodeEventRepository(db);
  }

  /** Runs `fn` in one database transaction with repositories bound to it. */
  async transaction<T>(fn: (store: Store) => Promise<T>): Promise<T> {
    return this.database.db.transaction().execute((trx) =>
      fn(new Store({ db: trx, dialect: this.database.dialect, close: () => Promise.resolve() })),
    );
  }

  close(): Promise<void> {
    return this.database.close();
  }
}

/** Timestamps as Ironic prints them: ISO-8601 UTC with an explicit offset. */
export function now(): string {
  return new Date().toISOString().replace('Z', '+00:00');
}
