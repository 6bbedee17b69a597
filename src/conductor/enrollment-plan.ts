import type { JsonObject, Node } from '../domain/node.js';
import { INTERFACE_SLOTS } from '../domain/node.js';
import type { Port, Portgroup } from '../domain/resources.js';
import { bmcIdentity } from '../domain/enrollment/bmc-identity.js';
import type {
  EnrollmentDocument, EnrollmentProblem, NodeSpec, PortSpec,
} from '../domain/enrollment/enrollment-types.js';
import type { DriverRegistry } from '../drivers/registry.js';
import type { Store } from '../store/store.js';

/** A port of the file and what it needs: nothing, a new port, or changed fields on the enrolled one. */
export interface PortStep {
  spec: PortSpec;
  /** Index of its port group in the node's `portgroups`, when it is a member. */
  group: number | null;
  existing: Port | null;
  changes: Partial<Port>;
}

export interface PortgroupStep {
  fields: JsonObject;
  existing: Portgroup | null;
  changes: Partial<Portgroup>;
}

/** What enrolling one entry of the file takes, worked out before anything is written. */
export interface NodeStep {
  spec: NodeSpec;
  existing: Node | null;
  /** Node fields to set on an enrolled node (documents merged key by key: what the file leaves out stays). */
  changes: Partial<Node>;
  traits: string[] | null;
  portgroups: PortgroupStep[];
  ports: PortStep[];
  /** Human-readable names of what changes (`driver_info.ipmi_password`, `port 52:54:...`), never values. */
  changed: string[];
}

export type EnrollmentPlan = { ok: true; steps: NodeStep[] } | { ok: false; problems: EnrollmentProblem[] };

const DOCUMENT_FIELDS = ['driver_info', 'properties', 'extra', 'instance_info'] as const;

const same = (a: unknown, b: unknown) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

/**
 * Matches each entry of the file to an enrolled node (by uuid, then name, then BMC, then any port MAC, as TripleO
 * matches by BMC and MAC) and works out what would change. Conflicts with what is enrolled (a MAC or BMC that
 * belongs to another node, two entries finding the same node) are problems of the whole file: nothing is done.
 */
export async function planEnrollment(store: Store, registry: DriverRegistry, doc: EnrollmentDocument): Promise<EnrollmentPlan> {
  const nodes = await store.nodes.list();
  const ports = await store.ports.list();
  const portgroups = await store.portgroups.list();
  const byUuid = new Map(nodes.map((n) => [n.uuid, n]));
  const byName = new Map(nodes.filter((n) => n.name).map((n) => [n.name!, n]));
  const byBmc = new Map<string, Node>();
  for (const n of nodes) {
    const id = bmcIdentity(n.driver, n.driver_info);
    if (id) byBmc.set(id, n);
  }
  const portByMac = new Map(ports.map((p) => [p.address, p]));
  const groupsByNode = new Map<string, Portgroup[]>();
  for (const g of portgroups) groupsByNode.set(g.node_uuid, [...(groupsByNode.get(g.node_uuid) ?? []), g]);

  const problems: EnrollmentProblem[] = [];
  const claimedBy = new Map<string, number>();
  const steps: NodeStep[] = [];
  const driverField = doc.format === 'instackenv' ? 'pm_type' : 'driver';
  for (const spec of doc.nodes) {
    const problem = (field: string, message: string) => problems.push({ index: spec.index, field, message });
    const before = problems.length;
    const driver = spec.node.driver as string;
    try {
      registry.defaultInterface(driver, 'power'); // refuses hardware types this service has not enabled
      for (const slot of INTERFACE_SLOTS) {
        const given = spec.node[`${slot}_interface`];
        if (typeof given === 'string') registry.checkInterface(driver, slot, given);
      }
    } catch (e) {
      problem(driverField, e instanceof Error ? e.message : String(e));
    }
    const name = typeof spec.node.name === 'string' ? spec.node.name : null;
    const bmc = bmcIdentity(driver, spec.node.driver_info as JsonObject ?? {});
    const macs = [...spec.ports, ...spec.portgroups.flatMap((g) => g.ports)];
    const wantedUuid = typeof spec.node.uuid === 'string' ? spec.node.uuid : null;
    const macOwner = macs.map((p) => portByMac.get(p.address)).find((p) => p !== undefined);
    const existing = (wantedUuid ? byUuid.get(wantedUuid) : undefined) ?? (name ? byName.get(name) : undefined) ??
      (bmc ? byBmc.get(bmc) : undefined) ?? (macOwner ? byUuid.get(macOwner.node_uuid) : undefined) ?? null;

    if (existing) {
      const other = claimedBy.get(existing.uuid);
      if (other !== undefined) problem('node', `matches node ${existing.uuid}, which node ${other} of this file matches too`);
      claimedBy.set(existing.uuid, spec.index);
    }
    const self = existing?.uuid;
    if (name && byName.has(name) && byName.get(name)!.uuid !== self) problem('name', `name ${name} belongs to node ${byName.get(name)!.uuid}`);
    if (bmc && byBmc.has(bmc) && byBmc.get(bmc)!.uuid !== self) {
      problem(doc.format === 'instackenv' ? 'pm_addr' : 'driver_info', `the BMC ${bmc.replace(/^\w+ /, '')} is enrolled as node ${byBmc.get(bmc)!.uuid}${name ? `, not as ${name}` : ''}`);
    }
    for (const p of macs) {
      const owner = portByMac.get(p.address);
      if (owner && owner.node_uuid !== self) problem(p.source, `MAC address ${p.address} is a port of node ${owner.node_uuid}`);
    }
    if (problems.length > before) continue;
    steps.push(existing ? planUpdate(spec, existing, groupsByNode.get(existing.uuid) ?? [], portByMac) : planCreate(spec));
  }
  if (problems.length > 0) return { ok: false, problems: problems.sort((a, b) => (a.index ?? -1) - (b.index ?? -1)) };
  return { ok: true, steps };
}

function planCreate(spec: NodeSpec): NodeStep {
  return {
    spec, existing: null, changes: { ...spec.createDefaults, ...spec.node }, traits: spec.traits,
    portgroups: spec.portgroups.map((g) => ({ fields: g.fields, existing: null, changes: {} })),
    ports: [
      ...spec.ports.map((p) => ({ spec: p, group: null, existing: null, changes: {} })),
      ...spec.portgroups.flatMap((g, gi) => g.ports.map((p) => ({ spec: p, group: gi, existing: null, changes: {} }))),
    ],
    changed: [],
  };
}

function planUpdate(spec: NodeSpec, node: Node, groups: Portgroup[], portByMac: Map<string, Port>): NodeStep {
  const changes: Record<string, unknown> = {};
  const changed: string[] = [];
  for (const [key, value] of Object.entries(spec.node)) {
    if (key === 'uuid') continue;
    if ((DOCUMENT_FIELDS as readonly string[]).includes(key)) {
      const current = node[key as (typeof DOCUMENT_FIELDS)[number]];
      const given = value as JsonObject;
      const keys = Object.keys(given).filter((k) => !same(current[k], given[k]));
      if (keys.length === 0) continue;
      changes[key] = { ...current, ...given };
      changed.push(...keys.map((k) => `${key}.${k}`));
    } else if (!same(node[key as keyof Node], value)) {
      changes[key] = value;
      changed.push(key);
    }
  }
  const traits = spec.traits && !same([...spec.traits].sort(), [...node.traits].sort()) ? spec.traits : null;
  if (traits) changed.push('traits');

  const portgroups: PortgroupStep[] = spec.portgroups.map((g) => {
    const existing = groups.find((e) => (typeof g.fields.name === 'string' && e.name === g.fields.name) ||
      (typeof g.fields.address === 'string' && e.address === g.fields.address.toLowerCase())) ?? null;
    if (!existing) {
      changed.push(`portgroup ${JSON.stringify(g.fields.name ?? g.fields.address)} (new)`);
      return { fields: g.fields, existing: null, changes: {} };
    }
    const diff = Object.fromEntries(Object.entries(g.fields).filter(([k, v]) => !same(existing[k as keyof Portgroup], v)));
    if (Object.keys(diff).length > 0) changed.push(...Object.keys(diff).map((k) => `portgroup ${existing.name ?? existing.uuid}.${k}`));
    return { fields: g.fields, existing, changes: diff };
  });
  const portStep = (p: PortSpec, group: number | null): PortStep => {
    const existing = portByMac.get(p.address) ?? null;
    if (!existing) {
      changed.push(`port ${p.address} (new)`);
      return { spec: p, group, existing: null, changes: {} };
    }
    const diff: Record<string, unknown> = Object.fromEntries(Object.entries(p.fields).filter(([k, v]) => !same(existing[k as keyof Port], v)));
    // Membership follows the file: a port listed under a port group joins it, one listed on its own leaves.
    const groupUuid = group === null ? null : portgroups[group].existing?.uuid;
    if (groupUuid === undefined || existing.portgroup_uuid !== groupUuid) diff.portgroup_uuid = groupUuid ?? null;
    if (Object.keys(diff).length > 0) changed.push(...Object.keys(diff).map((k) => `port ${p.address}.${k}`));
    return { spec: p, group, existing, changes: diff };
  };
  const ports = [
    ...spec.ports.map((p) => portStep(p, null)),
    ...spec.portgroups.flatMap((g, gi) => g.ports.map((p) => portStep(p, gi))),
  ];
  return { spec, existing: node, changes: changes, traits, portgroups, ports, changed };
}
