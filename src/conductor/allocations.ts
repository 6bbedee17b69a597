import { randomUUID } from 'node:crypto';
import type { JsonObject, Node } from '../domain/node.js';
import type { Allocation } from '../domain/resources.js';
import {
  AlreadyExists, Conflict, DuplicateName, FerriteError, InvalidParameterValue, InvalidState, NodeAssociated, NodeLocked,
  NoValidHost, NotFound, TemporaryFailure,
} from '../domain/errors.js';
import { ProvisionState, UPDATE_ALLOWED_STATES } from '../domain/provision-state-machine.js';
import { identKind, isUuidLike, isValidLogicalName } from '../domain/validation.js';
import { now, type Store } from '../store/store.js';
import type { ConductorCore } from './conductor.js';
import { describeError, ReservationLost, type NodeTask } from './node-task.js';

export const AllocationState = { allocating: 'allocating', active: 'active', error: 'error' } as const;

/** Locked candidates are tried again this many times in all, this far apart (Ironic's node_locked_retry_*). */
const LOCKED_RETRY_ATTEMPTS = 3;
const LOCKED_RETRY_INTERVAL_MS = 1000;

/** What a client asks for; shapes are checked by the API, meaning here. */
export interface AllocationRequest {
  uuid?: string | null;
  name?: string | null;
  resource_class?: string | null;
  traits?: string[] | null;
  /** Node names or UUIDs; stored as UUIDs. */
  candidate_nodes?: string[] | null;
  extra?: JsonObject | null;
  owner?: string | null;
  /** Backfill: the (deployed) node to record the allocation for, by name or UUID. */
  node?: string | null;
}

/** Why an allocation could not be fulfilled; recorded in its last_error. */
class AllocationFailure extends Error {}
/** The allocation was deleted while it was being processed. */
class AllocationGone extends Error {}

type NewAllocation = Omit<Allocation, 'id'>;

const hasTraits = (node: Node, traits: readonly string[]) => traits.every((t) => node.traits.includes(t));

/** Whether a node may be given to an allocation: checked on the list and again under the node's reservation. */
function suitable(node: Node, a: Allocation): boolean {
  return node.provision_state === ProvisionState.available && !node.maintenance && !node.retired &&
    node.instance_uuid === null && node.allocation_uuid === null && node.resource_class === a.resource_class &&
    (a.owner === null || node.owner === a.owner || node.lessee === a.owner) && hasTraits(node, a.traits);
}

function shuffle<T>(items: T[]): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [items[i], items[j]] = [items[j], items[i]];
  }
  return items;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Allocations as Ironic's conductor runs them: a new allocation is stored as `allocating` and a background worker
 * picks a suitable node at random (a node named like the allocation first), reserves it, and records the pair —
 * node.allocation_uuid and node.instance_uuid (= the allocation's UUID) — in one transaction under the node's
 * reservation; locked nodes are skipped and retried. Backfilling records an allocation for a node deployed
 * without one, at once.
 */
export class AllocationOperations {
  private readonly running = new Set<Promise<void>>();

  constructor(private readonly core: ConductorCore) {}

  private get store(): Store {
    return this.core.store;
  }

  /** Finds an allocation by UUID or name, or throws NotFound as Ironic words it. */
  async get(ident: string): Promise<Allocation> {
    const found = identKind(ident) === 'uuid'
      ? await this.store.allocations.getByUuid(ident.toLowerCase()) : await this.store.allocations.getByName(ident);
    if (!found) throw new NotFound(`Allocation ${ident} could not be found.`);
    return found;
  }

  /** The allocation of a node, or 404. */
  async getForNode(nodeIdent: string): Promise<Allocation> {
    const node = await this.core.getNode(nodeIdent);
    const found = await this.store.allocations.getByNodeUuid(node.uuid);
    if (!found) throw new NotFound(`Allocation for node ${nodeIdent} was not found`);
    return found;
  }

  async create(req: AllocationRequest): Promise<Allocation> {
    let target: Node | undefined;
    if (req.node !== undefined && req.node !== null) {
      try {
        target = await this.core.getNode(req.node);
      } catch (e) {
        // the node is a field of the request, not the resource addressed: Ironic answers 400
        if (e instanceof NotFound) throw new InvalidParameterValue(e.message);
        throw e;
      }
    }
    let resourceClass = req.resource_class ?? null;
    if (!resourceClass) {
      if (!target) throw new InvalidParameterValue('The resource_class field is mandatory when not backfilling');
      resourceClass = target.resource_class;
    }
    const record: NewAllocation = {
      // backfilling a node deployed with an instance UUID keeps that UUID for the allocation
      uuid: req.uuid ?? target?.instance_uuid ?? randomUUID(),
      name: req.name ?? null,
      node_uuid: null,
      state: AllocationState.allocating,
      last_error: null,
      resource_class: resourceClass,
      traits: req.traits ?? [],
      candidate_nodes: await this.resolveCandidates(req.candidate_nodes ?? []),
      extra: req.extra ?? {},
      owner: req.owner ?? null,
      conductor_affinity: this.core.hostname,
      created_at: this.core.now(),
      updated_at: null,
    };
    await this.checkUnique(record);
    if (target) return this.backfill(record, target);
    if (this.running.size + this.core.busyWorkers >= this.core.config.conductor.workersPoolSize) {
      throw new TemporaryFailure('Requested action cannot be performed due to lack of free conductor workers.');
    }
    const allocation = await this.insert(record);
    this.spawn(allocation);
    return allocation;
  }

  /** Candidate node names and UUIDs as UUIDs, in the order given; unknown ones are a 400 as in Ironic. */
  private async resolveCandidates(idents: readonly string[]): Promise<string[]> {
    const resolved = new Map<string, string>();
    const missing: string[] = [];
    for (const ident of new Set(idents)) {
      let node: Node | undefined;
      if (isUuidLike(ident)) node = await this.store.nodes.getByUuid(ident.toLowerCase());
      else if (isValidLogicalName(ident)) node = await this.store.nodes.getByName(ident);
      if (node) resolved.set(ident, node.uuid);
      else missing.push(ident);
    }
    if (missing.length > 0) throw new InvalidParameterValue(`Nodes cannot be found: ${missing.join(', ')}`);
    return idents.map((i) => resolved.get(i)!);
  }

  private async checkUnique(a: Pick<Allocation, 'uuid' | 'name'>, self?: Allocation): Promise<void> {
    if (!self && (await this.store.allocations.getByUuid(a.uuid))) {
      throw new AlreadyExists(`An allocation with UUID ${a.uuid} already exists.`);
    }
    if (a.name) {
      const other = await this.store.allocations.getByName(a.name);
      if (other && other.id !== self?.id) throw new DuplicateName(`An allocation with name ${a.name} already exists.`);
    }
  }

  private async insert(record: NewAllocation): Promise<Allocation> {
    try {
      return await this.store.allocations.insert(record);
    } catch (e) {
      await this.checkUnique(record); // a concurrent create won the race: report it as Ironic does
      throw e;
    }
  }

  /**
   * Backfilling: the node is already deployed; the allocation is recorded for it at once, or the request fails and
   * nothing is stored. (Ironic keeps a failed backfill as an allocation in the error state and answers 500.)
   */
  private async backfill(record: NewAllocation, target: Node): Promise<Allocation> {
    return this.core.withTask(target, 'allocation backfilling', async (task) => {
      const node = task.node;
      const errors: string[] = [];
      if (node.provision_state !== ProvisionState.active) {
        errors.push(`Node must be in the "active" state, but the current state is "${node.provision_state}"`);
      }
      if (record.resource_class && node.resource_class !== record.resource_class) {
        errors.push(`Resource class ${String(node.resource_class)} does not match the requested resource class ${record.resource_class}`);
      }
      if (record.traits.length > 0 && !hasTraits(node, record.traits)) {
        errors.push(`List of traits ${JSON.stringify(node.traits)} does not match the requested traits ${JSON.stringify(record.traits)}`);
      }
      if (record.candidate_nodes.length > 0 && !record.candidate_nodes.includes(node.uuid)) {
        errors.push(`Candidate nodes must be empty or contain the target node, but got ${JSON.stringify(record.candidate_nodes)}`);
      }
      if (errors.length > 0) {
        throw new InvalidParameterValue(
          `Failed to process allocation ${record.uuid}: Cannot backfill an allocation for node ${node.uuid}: ${errors.join('; ')}.`,
        );
      }
      if (node.allocation_uuid !== null || (node.instance_uuid !== null && node.instance_uuid !== record.uuid)) {
        throw new NodeAssociated(`Node ${node.uuid} is associated with instance ${node.instance_uuid ?? node.allocation_uuid}.`);
      }
      await this.checkInstanceFree(record.uuid, node);
      try {
        // inside a transaction only `tx` may be used: SQLite has one connection, which the transaction holds
        return await this.store.transaction(async (tx) => {
          const created = await tx.allocations.insert({ ...record, node_uuid: node.uuid, state: AllocationState.active });
          await this.assignNode(tx, task, created);
          return created;
        });
      } catch (e) {
        await this.checkUnique(record); // a concurrent create won the race: report it as Ironic does
        throw e;
      }
    });
  }

  /** The allocation's UUID becomes the node's instance_uuid, which no other node may have. */
  private async checkInstanceFree(uuid: string, node: Node): Promise<void> {
    const other = await this.store.nodes.getByInstanceUuid(uuid);
    if (other && other.id !== node.id) {
      throw new Conflict(`Instance ${uuid} is already associated with a node, it cannot be associated with this other node ${node.uuid}`);
    }
  }

  /** Records the allocation on the reserved node (and the requested traits in its instance_info, as Ironic does). */
  private async assignNode(tx: Store, task: NodeTask, a: Allocation): Promise<void> {
    const updated = await tx.nodes.updateReserved(task.node.id, task.host, {
      allocation_uuid: a.uuid,
      instance_uuid: a.uuid,
      instance_info: { ...task.node.instance_info, traits: [...a.traits] },
      updated_at: this.core.now(),
    });
    if (!updated) throw new ReservationLost(`reservation of node ${task.node.uuid} was lost`);
  }

  private spawn(allocation: Allocation): void {
    const work = this.process(allocation)
      .catch((e: unknown) => this.core.log.error({ err: e, allocation: allocation.uuid }, 'allocation worker failed'))
      .finally(() => this.running.delete(work));
    this.running.add(work);
  }

  /**
   * Takes over allocations left `allocating` by the given conductors (dead peers, or this host's previous life) and
   * processes them again, as Ironic's orphan-allocation check does. Returns how many were taken over.
   */
  async resumeOrphans(hosts: readonly string[]): Promise<number> {
    let taken = 0;
    for (const host of new Set(hosts)) {
      const orphans = await this.store.allocations.list({ filters: { state: AllocationState.allocating, conductor_affinity: host } });
      for (const a of orphans) {
        if (!(await this.store.allocations.takeOver(a.id, host, this.core.hostname))) continue;
        this.core.log.info({ allocation: a.uuid, from: host }, 'taking over allocation');
        this.spawn({ ...a, conductor_affinity: this.core.hostname });
        taken++;
      }
    }
    return taken;
  }

  /** Allocation workers under way; tests and shutdown wait on them. */
  async drain(): Promise<void> {
    while (this.running.size > 0) await Promise.allSettled([...this.running]);
  }

  /** The background half of `create`: find, reserve and record a node, or record why not. */
  private async process(allocation: Allocation): Promise<void> {
    try {
      let candidates = await this.candidates(allocation);
      for (let attempt = 1; ; attempt++) {
        const locked = await this.reserveOne(allocation, candidates);
        if (locked === null) return;
        if (locked.length === 0) throw new AllocationFailure('all nodes were filtered out during reservation');
        if (attempt >= LOCKED_RETRY_ATTEMPTS) throw new AllocationFailure(`could not reserve any of ${locked.length} suitable nodes`);
        candidates = locked;
        await sleep(LOCKED_RETRY_INTERVAL_MS);
      }
    } catch (e) {
      if (e instanceof AllocationGone) return;
      const reason = e instanceof AllocationFailure || e instanceof FerriteError
        ? `Failed to process allocation ${allocation.uuid}: ${e.message}${e instanceof AllocationFailure ? '.' : ''}`
        : `Unexpected exception during allocation: ${describeError(e)}`;
      this.core.log.warn({ allocation: allocation.uuid, reason }, 'allocation failed');
      await this.store.allocations.update(allocation.id, {
        state: AllocationState.error, last_error: reason, node_uuid: null, updated_at: this.core.now(),
      });
    }
  }

  /** Suitable nodes in the order to try them: shuffled, with a node named like the allocation first. */
  private async candidates(a: Allocation): Promise<Node[]> {
    let nodes: Node[];
    if (a.candidate_nodes.length > 0) {
      const found = await Promise.all([...new Set(a.candidate_nodes)].map((uuid) => this.store.nodes.getByUuid(uuid)));
      nodes = found.filter((n): n is Node => n !== undefined);
    } else {
      nodes = await this.store.nodes.list({
        filters: {
          provision_state: ProvisionState.available, maintenance: false, retired: false, instance_uuid: null,
          allocation_uuid: null, resource_class: a.resource_class, ...(a.owner !== null ? { project: a.owner } : {}),
        },
      });
    }
    nodes = nodes.filter((n) => suitable(n, { ...a, traits: [] }));
    if (nodes.length === 0) {
      throw new AllocationFailure(a.candidate_nodes.length > 0
        ? `none of the requested nodes are available and match the resource class ${String(a.resource_class)}`
        : `no available nodes match the resource class ${String(a.resource_class)}`);
    }
    if (a.traits.length > 0) {
      nodes = nodes.filter((n) => hasTraits(n, a.traits));
      if (nodes.length === 0) throw new AllocationFailure(`no suitable nodes have the requested traits ${a.traits.join(', ')}`);
    }
    shuffle(nodes);
    if (a.name !== null) {
      const i = nodes.findIndex((n) => n.name === a.name);
      if (i > 0) nodes.unshift(...nodes.splice(i, 1));
    }
    return nodes;
  }

  /**
   * Tries the nodes in order; returns null once one is allocated, else the nodes that were locked (worth another
   * try). Nodes that stopped being suitable meanwhile are dropped.
   */
  private async reserveOne(a: Allocation, nodes: readonly Node[]): Promise<Node[] | null> {
    const locked: Node[] = [];
    for (const node of nodes) {
      try {
        const done = await this.core.withTask(node, 'allocating', async (task) => {
          if (!suitable(task.node, a)) return false;
          await this.checkInstanceFree(a.uuid, task.node);
          await this.store.transaction(async (tx) => {
            await this.assignNode(tx, task, a);
            const updated = await tx.allocations.update(a.id, {
              node_uuid: task.node.uuid, state: AllocationState.active, last_error: null, updated_at: this.core.now(),
            });
            if (!updated) throw new AllocationGone(); // rolls the node back too
          });
          task.log.info({ allocation: a.uuid }, 'node reserved for allocation');
          return true;
        });
        if (done) return null;
      } catch (e) {
        if (e instanceof NodeLocked) locked.push(node);
        // gone, or of a hardware type this conductor cannot load: not a candidate
        else if (!(e instanceof NotFound || e instanceof NoValidHost)) throw e;
      }
    }
    return locked;
  }

  /** PATCH: name and extra only. */
  async update(allocation: Allocation, changes: { name?: string | null; extra?: JsonObject }): Promise<Allocation> {
    if (changes.name) await this.checkUnique({ uuid: allocation.uuid, name: changes.name }, allocation);
    let updated: Allocation | undefined;
    try {
      updated = await this.store.allocations.update(allocation.id, { ...changes, updated_at: this.core.now() });
    } catch (e) {
      if (changes.name) await this.checkUnique({ uuid: allocation.uuid, name: changes.name }, allocation);
      throw e;
    }
    if (!updated) throw new NotFound(`Allocation ${allocation.uuid} could not be found.`);
    return updated;
  }

  /**
   * Deletes an allocation; the node it holds (if any) gets its allocation_uuid and instance_uuid cleared, under the
   * node's reservation and only where Ironic allows it (maintenance, or a node neither active nor mid-transition).
   */
  async destroy(allocation: Allocation): Promise<void> {
    for (let attempt = 0; attempt < 3; attempt++) {
      const a = await this.store.allocations.getById(allocation.id);
      if (!a) throw new NotFound(`Allocation ${allocation.uuid} could not be found.`);
      if (a.node_uuid === null) {
        // a worker may assign a node at the same moment: then go the node's way
        if (await this.store.allocations.deleteUnassigned(a.id)) return;
        continue;
      }
      const node = await this.store.nodes.getByUuid(a.node_uuid);
      if (!node) {
        await this.store.allocations.delete(a.id);
        return;
      }
      // The worker that allocated the node may still hold it for a moment after marking the allocation active.
      await this.withTaskWhenFree(node, 'allocation deletion', async (task) => {
        checkDeallocation(task.node, a);
        await this.store.transaction(async (tx) => {
          if (task.node.allocation_uuid === a.uuid) {
            const updated = await tx.nodes.updateReserved(task.node.id, task.host, {
              allocation_uuid: null, instance_uuid: null, updated_at: this.core.now(),
            });
            if (!updated) throw new ReservationLost(`reservation of node ${task.node.uuid} was lost`);
          }
          await tx.allocations.delete(a.id);
        });
      });
      return;
    }
    throw new Conflict(`Allocation ${allocation.uuid} changed while being deleted; please retry.`);
  }

  /** withTask, tried again while the node is locked (Ironic's node_locked_retry_* for exclusive locks). */
  private async withTaskWhenFree<T>(node: Node, purpose: string, fn: (task: NodeTask) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.core.withTask(node, purpose, fn);
      } catch (e) {
        if (!(e instanceof NodeLocked) || attempt >= LOCKED_RETRY_ATTEMPTS) throw e;
        await sleep(LOCKED_RETRY_INTERVAL_MS);
      }
    }
  }

  async destroyForNode(nodeIdent: string): Promise<void> {
    await this.destroy(await this.getForNode(nodeIdent));
  }
}

function checkDeallocation(node: Node, a: Allocation): void {
  if (node.maintenance) return; // allocations can always be removed in maintenance
  if (node.target_provision_state !== null && !UPDATE_ALLOWED_STATES.has(node.provision_state)) {
    throw new InvalidState(
      `Cannot remove allocation ${a.uuid} for node ${node.uuid}, because the node is in state ${node.provision_state} where updates are not allowed (and maintenance mode is off)`,
    );
  }
  if (node.provision_state === ProvisionState.active) {
    throw new InvalidState(
      `Cannot remove allocation ${a.uuid} for node ${node.uuid}, because the node is active (and maintenance mode is off)`,
    );
  }
}

/**
 * For flows that end an instance (undeploy): deletes the node's allocation and clears allocation_uuid and
 * instance_uuid in one transaction, as Ironic does when tearing a node down. The caller holds the node's reservation.
 */
export async function removeNodeAllocation(store: Store, task: NodeTask): Promise<void> {
  const uuid = task.node.allocation_uuid;
  if (uuid === null) return;
  task.node = await store.transaction(async (tx) => {
    const a = await tx.allocations.getByUuid(uuid);
    if (a) await tx.allocations.delete(a.id);
    const updated = await tx.nodes.updateReserved(task.node.id, task.host, {
      allocation_uuid: null, instance_uuid: null, updated_at: now(),
    });
    if (!updated) throw new ReservationLost(`reservation of node ${task.node.uuid} was lost`);
    return updated;
  });
}
