import type { Logger } from 'pino';
import type { Config } from '../config.js';
import type { ProvisionRequest } from '../domain/provision-request.js';
import type { DriverRegistry } from '../drivers/registry.js';
import type { Store } from '../store/store.js';
import { ConductorCore } from './conductor.js';
import { NodeOperations } from './node-operations.js';
import { PowerOperations } from './power-operations.js';
import { PortOperations } from './port-operations.js';
import { AllocationOperations } from './allocations.js';
import { startProvisionAction } from './provisioning.js';
import { PeriodicScheduler } from './periodic/scheduler.js';
import { NODE_EVENTS_PRUNE_INTERVAL_S, pruneNodeEvents } from './periodic/event-retention.js';
import { recoverOrphans } from './periodic/recovery.js';
import { checkWaitTimeouts } from './periodic/timeouts.js';
import { syncPowerStates } from './periodic/power-sync.js';
import { restoreConsoles } from './consoles.js';
import { AgentOperations } from './agent-operations.js';

/**
 * A conductor as the API sees it. This one runs in the API's process; a remote conductor would implement the
 * same surface over RPC.
 */
export class Conductor {
  readonly core: ConductorCore;
  readonly nodes: NodeOperations;
  readonly power: PowerOperations;
  readonly ports: PortOperations;
  readonly allocations: AllocationOperations;
  readonly agent: AgentOperations;
  private readonly periodic: PeriodicScheduler;

  constructor(store: Store, registry: DriverRegistry, config: Config, log: Logger) {
    this.core = new ConductorCore(store, registry, config, log.child({ component: 'conductor' }));
    this.nodes = new NodeOperations(this.core);
    this.power = new PowerOperations(this.core);
    this.ports = new PortOperations(this.core);
    this.allocations = new AllocationOperations(this.core);
    this.agent = new AgentOperations(this.core);
    this.periodic = new PeriodicScheduler(this.core.log);
  }

  get hostname(): string {
    return this.core.hostname;
  }

  provision(ident: string, req: ProvisionRequest): Promise<void> {
    return startProvisionAction(this.core, ident, req);
  }

  /**
   * Registers this conductor, recovers what a previous life of it (or a dead peer) left behind, and starts the
   * periodic tasks.
   */
  async start(): Promise<void> {
    const { store, config, log } = this.core;
    const c = config.conductor;
    await store.conductors.register(this.hostname, config.conductorGroup, this.core.registry.hardwareTypeNames(), this.core.now());
    const gone = [this.hostname, ...(await this.deadConductors())];
    await recoverOrphans(this.core, gone);
    await this.allocations.resumeOrphans(gone);
    const consoles = await restoreConsoles(this.core);
    if (consoles > 0) log.info({ consoles }, 'consoles restored');
    this.periodic.every('conductor heartbeat', c.heartbeatInterval, () => store.conductors.heartbeat(this.hostname, this.core.now()));
    this.periodic.every('takeover', c.heartbeatTimeout, async () => {
      const dead = await this.deadConductors();
      await recoverOrphans(this.core, dead);
      await this.allocations.resumeOrphans(dead);
    });
    this.periodic.every('power state sync', c.syncPowerStateInterval, () => syncPowerStates(this.core));
    this.periodic.every('provision timeouts', c.checkProvisionStateInterval, () => checkWaitTimeouts(this.core));
    this.periodic.every('node event retention', NODE_EVENTS_PRUNE_INTERVAL_S, () => pruneNodeEvents(this.core));
    log.info({ host: this.hostname }, 'conductor started');
  }

  /** Conductors whose heartbeat is older than the timeout; they are marked offline. */
  private async deadConductors(): Promise<string[]> {
    const { store, config } = this.core;
    const cutoff = Date.now() - config.conductor.heartbeatTimeout * 1000;
    const dead: string[] = [];
    for (const c of await store.conductors.list()) {
      if (c.hostname === this.hostname) continue;
      const seen = Date.parse(c.updated_at ?? c.created_at);
      if (seen < cutoff) {
        dead.push(c.hostname);
        if (c.online) await store.conductors.unregister(c.hostname, this.core.now());
      }
    }
    return dead;
  }

  async stop(): Promise<void> {
    await this.periodic.stop();
    await this.allocations.drain();
    await this.core.stop();
    await this.core.store.conductors.unregister(this.hostname, this.core.now());
  }
}
