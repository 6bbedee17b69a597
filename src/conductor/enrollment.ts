import type { Node } from '../domain/node.js';
import { MAX_MINOR } from '../domain/api-version.js';
import { checkProvisionRequest } from '../domain/provision-request.js';
import type { EnrollmentDocument, EnrollmentProblem } from '../domain/enrollment/enrollment-types.js';
import type { Port, Portgroup } from '../domain/resources.js';
import type { Conductor } from './conductor-service.js';
import { planEnrollment, type NodeStep } from './enrollment-plan.js';

export type EnrollAction = 'created' | 'updated' | 'unchanged' | 'error';

export interface EnrollOptions {
  manage: boolean;
  provide: boolean;
  dryRun: boolean;
  /** How long to wait for each node's manage/provide to settle before reporting it as still in progress. */
  waitMs: number;
  /** Called as entries are done, for progress reports. */
  onProgress?: (done: number, total: number) => void;
}

/** What happened to one entry of the file (or, in a dry run, would). */
export interface EnrollNodeResult {
  index: number;
  name: string | null;
  action: EnrollAction;
  uuid: string | null;
  /** What changed (field names only; values may be secrets). */
  changes: string[];
  warnings: string[];
  provision_state: string | null;
  last_error: string | null;
  error?: string;
}

export type EnrollOutcome = { ok: true; nodes: EnrollNodeResult[] } | { ok: false; problems: EnrollmentProblem[] };

/** Entries worked on at once: enough to overlap database round trips, few enough not to crowd out other work. */
const CONCURRENCY = 8;
const POLL_MS = 50;

/**
 * Enrolls a checked document: plans everything first (and stops there on a conflict or in a dry run), then
 * creates or updates each node, its port groups and ports through the same conductor operations the Ironic API
 * uses, and, when asked, walks nodes to manageable and available through the provisioning path.
 */
export async function enroll(conductor: Conductor, doc: EnrollmentDocument, opts: EnrollOptions): Promise<EnrollOutcome> {
  const plan = await planEnrollment(conductor.core.store, conductor.core.registry, doc);
  if (!plan.ok) return plan;
  return { ok: true, nodes: opts.dryRun ? previewPlan(plan.steps) : await runPlan(conductor, plan.steps, opts) };
}

/** What a dry run reports: each entry's action as it would be, with the enrolled node's uuid and state. */
export function previewPlan(steps: NodeStep[]): EnrollNodeResult[] {
  return steps.map((s) => resultOf(s, s.existing ? (s.changed.length > 0 ? 'updated' : 'unchanged') : 'created', s.existing));
}

/** Carries out a plan made by planEnrollment; each entry succeeds or fails on its own. */
export async function runPlan(conductor: Conductor, steps: NodeStep[], opts: EnrollOptions): Promise<EnrollNodeResult[]> {
  const total = steps.length;
  let done = 0;
  return inPool(steps, CONCURRENCY, async (step) => {
    let result: EnrollNodeResult;
    try {
      const node = await apply(conductor, step);
      result = resultOf(step, step.existing ? (step.changed.length > 0 ? 'updated' : 'unchanged') : 'created', node);
      if (opts.manage || opts.provide) Object.assign(result, await walk(conductor, node.uuid, opts));
    } catch (e) {
      result = resultOf(step, 'error', step.existing);
      result.error = e instanceof Error ? e.message : String(e);
      if (!step.existing && result.uuid === null) result.uuid = (e as { nodeUuid?: string }).nodeUuid ?? null;
    }
    opts.onProgress?.(++done, total);
    return result;
  });
}

function resultOf(step: NodeStep, action: EnrollAction, node: Node | null): EnrollNodeResult {
  return {
    index: step.spec.index, name: node?.name ?? (typeof step.spec.node.name === 'string' ? step.spec.node.name : null),
    action, uuid: node?.uuid ?? null, changes: step.changed, warnings: step.spec.warnings,
    provision_state: node?.provision_state ?? null, last_error: node?.last_error ?? null,
  };
}

/** Writes one step. A failure after the node exists names it, so the report can point at what is left. */
async function apply(conductor: Conductor, step: NodeStep): Promise<Node> {
  let node: Node;
  if (!step.existing) node = await conductor.nodes.create(step.changes, MAX_MINOR);
  else if (Object.keys(step.changes).length > 0) node = await conductor.nodes.update(step.existing.uuid, step.changes, 'driver' in step.changes);
  else node = step.existing;
  try {
    if (step.traits) await conductor.nodes.setTraits(node.uuid, step.traits);
    const groupUuids: string[] = [];
    for (const g of step.portgroups) {
      if (!g.existing) {
        const created = await conductor.ports.createPortgroup({ ...(g.fields as Partial<Portgroup>), node_uuid: node.uuid });
        groupUuids.push(created.uuid);
      } else {
        if (Object.keys(g.changes).length > 0) await conductor.ports.updatePortgroup(g.existing, g.changes);
        groupUuids.push(g.existing.uuid);
      }
    }
    for (const p of step.ports) {
      const portgroup_uuid = p.group === null ? null : groupUuids[p.group];
      if (!p.existing) {
        await conductor.ports.createPort({ ...(p.spec.fields as Partial<Port>), address: p.spec.address, node_uuid: node.uuid, ...(portgroup_uuid ? { portgroup_uuid } : {}) });
      } else if (Object.keys(p.changes).length > 0) {
        await conductor.ports.updatePort(p.existing, { ...p.changes, ...('portgroup_uuid' in p.changes ? { portgroup_uuid } : {}) });
      }
    }
  } catch (e) {
    if (e && typeof e === 'object') Object.assign(e, { nodeUuid: node.uuid });
    throw e;
  }
  return (await conductor.core.store.nodes.getByUuid(node.uuid)) ?? node;
}

/**
 * manage (enroll → manageable) then provide (manageable → available), each through the provisioning path the API
 * uses, waiting a bounded time for each to settle. Nodes elsewhere (deployed, failed) are left alone.
 */
async function walk(conductor: Conductor, uuid: string, opts: EnrollOptions): Promise<Partial<EnrollNodeResult>> {
  let node = await conductor.core.getNode(uuid);
  const verbs: [string, string][] = [];
  if (opts.manage || opts.provide) verbs.push(['enroll', 'manage']);
  if (opts.provide) verbs.push(['manageable', 'provide']);
  for (const [from, verb] of verbs) {
    if (node.provision_state !== from || node.maintenance) continue;
    await conductor.provision(uuid, checkProvisionRequest(node, { target: verb }, MAX_MINOR));
    node = await settle(conductor, uuid, opts.waitMs);
    if (node.target_provision_state !== null) break; // still on its way: report where it is
  }
  return { provision_state: node.provision_state, last_error: node.last_error };
}

async function settle(conductor: Conductor, uuid: string, waitMs: number): Promise<Node> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    const node = await conductor.core.getNode(uuid);
    // A failed state waits for an operator, whatever its target says.
    if ((node.target_provision_state === null || node.provision_state.endsWith('failed')) && node.reservation === null) return node;
    if (Date.now() >= deadline) return node;
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

async function inPool<T, R>(items: T[], size: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(size, items.length) }, worker));
  return out;
}
