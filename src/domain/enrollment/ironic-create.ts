import type { JsonObject } from '../node.js';
import { readPort } from './instackenv.js';
import { isObject, kindOf, type EnrollmentProblem, type NodeSpec, type PortSpec, type PortgroupSpec } from './enrollment-types.js';

/**
 * Reads one node of an Ironic `baremetal create` file: the body of POST /v1/nodes plus nested `ports`,
 * `portgroups` (each with its own `ports`) and `traits`, as python-ironicclient reads it. Node and port fields are
 * left for the API's own field rules; only the nesting is checked here.
 */
export function readIronicNode(raw: unknown, index: number, problems: EnrollmentProblem[]): NodeSpec | null {
  const problem = (field: string, message: string) => problems.push({ index, field, message });
  if (!isObject(raw)) {
    problem('node', `each node must be an object, got ${kindOf(raw)}`);
    return null;
  }
  const before = problems.length;
  const { ports: rawPorts, portgroups: rawGroups, traits: rawTraits, ...node } = raw;
  if (node.driver === undefined || node.driver === null || node.driver === '') problem('driver', 'driver is required');
  else if (typeof node.driver !== 'string') problem('driver', `driver must be a string, got ${kindOf(node.driver)}`);
  // Within a file nodes are related by nesting; a node_uuid or portgroup_uuid would point elsewhere.
  for (const key of ['node_uuid', 'portgroup_uuid'] as const) {
    if (key in node) problem(key, `${key} has no meaning on a node`);
  }

  const ports = list(rawPorts, 'ports', problem).flatMap((p, i) => {
    const port = readPort(p, `ports[${i}]`, problem);
    if (port && ('node_uuid' in port.fields || 'portgroup_uuid' in port.fields)) {
      problem(`ports[${i}]`, 'a nested port belongs to its node (and port group): leave node_uuid and portgroup_uuid out');
      return [];
    }
    return port ? [port] : [];
  });
  const portgroups: PortgroupSpec[] = list(rawGroups, 'portgroups', problem).flatMap((g, i) => {
    const field = `portgroups[${i}]`;
    if (!isObject(g)) {
      problem(field, `a port group must be an object, got ${kindOf(g)}`);
      return [];
    }
    const { ports: members, ...fields } = g;
    if ('node_uuid' in fields) problem(`${field}.node_uuid`, 'a nested port group belongs to its node: leave node_uuid out');
    const groupPorts: PortSpec[] = list(members, `${field}.ports`, problem).flatMap((p, j) => {
      const port = readPort(p, `${field}.ports[${j}]`, problem);
      return port ? [port] : [];
    });
    // Port groups are matched to the ones already enrolled by name or address: one without either could not be
    // found again, and a re-run would add another.
    if (typeof fields.name !== 'string' && typeof fields.address !== 'string') {
      problem(field, 'a port group needs a name or an address, so that re-running the file finds it');
    }
    return [{ fields: fields as JsonObject, ports: groupPorts }];
  });
  let traits: string[] | null = null;
  if (rawTraits !== undefined) {
    if (!Array.isArray(rawTraits) || rawTraits.some((t) => typeof t !== 'string')) problem('traits', 'traits must be a list of strings');
    else traits = rawTraits as string[];
  }
  if (problems.length > before) return null;
  return { index, node: node as JsonObject, createDefaults: {}, ports, portgroups, traits, warnings: [] };
}

function list(v: unknown, field: string, problem: (f: string, m: string) => void): unknown[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) {
    problem(field, `${field} must be a list, got ${kindOf(v)}`);
    return [];
  }
  return v;
}
