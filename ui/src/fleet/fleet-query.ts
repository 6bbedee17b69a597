/**
 * The fleet view's rules, pure: which nodes a filter keeps, in which order, and the counts by state. Kept free of
 * React and the DOM so they are tested directly and cost nothing to re-run on every change.
 */

/** What the fleet view knows of a node: the fields the event stream carries. */
export interface FleetNode {
  uuid: string;
  name: string | null;
  provision_state: string;
  target_provision_state: string | null;
  power_state: string | null;
  target_power_state: string | null;
  last_error: string | null;
  maintenance: boolean;
  maintenance_reason: string | null;
  deploy_step: Record<string, unknown> | null;
  clean_step: Record<string, unknown> | null;
  driver: string;
  owner: string | null;
  resource_class: string | null;
  updated_at: string | null;
  fault: string | null;
}

export const FLEET_FIELDS: readonly (keyof FleetNode)[] = [
  'uuid', 'name', 'provision_state', 'target_provision_state', 'power_state', 'target_power_state', 'last_error',
  'maintenance', 'maintenance_reason', 'deploy_step', 'clean_step', 'driver', 'owner', 'resource_class',
  'updated_at', 'fault',
];

export type SortKey = 'name' | 'provision_state' | 'power_state' | 'driver' | 'owner' | 'updated_at';

export interface FleetQuery {
  /** Provision states kept; empty keeps all. */
  states: readonly string[];
  power: 'any' | 'power on' | 'power off' | 'unknown';
  driver: string;
  maintenance: 'any' | 'yes' | 'no';
  owner: string;
  /** Free text: matched against name, UUID, owner, last_error, maintenance reason, driver and resource class, case-insensitively. */
  text: string;
  sort: SortKey;
  descending: boolean;
}

export const DEFAULT_QUERY: FleetQuery = {
  states: [], power: 'any', driver: '', maintenance: 'any', owner: '', text: '', sort: 'name', descending: false,
};

/** How a state is drawn: settled, working, waiting on the server, failed. */
export type StateTone = 'active' | 'available' | 'busy' | 'wait' | 'failed' | 'idle';

export function stateTone(state: string): StateTone {
  if (state === 'active') return 'active';
  if (state === 'available') return 'available';
  if (state.endsWith('failed') || state === 'error') return 'failed';
  if (state.startsWith('wait') || state.endsWith(' wait')) return 'wait';
  if (['manageable', 'enroll', 'rescue'].includes(state)) return 'idle';
  return 'busy';
}

function matchesText(n: FleetNode, needle: string): boolean {
  return [n.name, n.uuid, n.owner, n.last_error, n.maintenance_reason, n.driver, n.resource_class]
    .some((v) => v !== null && v.toLowerCase().includes(needle));
}

/** A filter as a predicate: built once per query, run over every node. */
export function nodePredicate(q: FleetQuery): (n: FleetNode) => boolean {
  const states = q.states.length > 0 ? new Set(q.states) : undefined;
  const needle = q.text.trim().toLowerCase();
  const owner = q.owner.trim();
  return (n) => {
    if (states && !states.has(n.provision_state)) return false;
    if (q.power !== 'any') {
      if (q.power === 'unknown' ? n.power_state !== null : n.power_state !== q.power) return false;
    }
    if (q.driver && n.driver !== q.driver) return false;
    if (q.maintenance !== 'any' && n.maintenance !== (q.maintenance === 'yes')) return false;
    if (owner && n.owner !== owner) return false;
    return needle === '' || matchesText(n, needle);
  };
}

const collator = new Intl.Collator(undefined, { numeric: true, sensitivity: 'base' });

/** Nodes without the sort field go last either way; ties break on name then UUID, so the order is stable. */
export function compareNodes(key: SortKey, descending: boolean): (a: FleetNode, b: FleetNode) => number {
  const sign = descending ? -1 : 1;
  return (a, b) => {
    // null and '' both mean "not set": equal to each other, after every set value.
    const x = a[key] ?? '';
    const y = b[key] ?? '';
    if (x !== y) {
      if (x === '') return 1;
      if (y === '') return -1;
      const c = collator.compare(x, y);
      if (c !== 0) return sign * c;
    }
    return collator.compare(a.name ?? '', b.name ?? '') || (a.uuid < b.uuid ? -1 : a.uuid > b.uuid ? 1 : 0);
  };
}

export function selectNodes(nodes: Iterable<FleetNode>, q: FleetQuery): FleetNode[] {
  const keep = nodePredicate(q);
  const out: FleetNode[] = [];
  for (const n of nodes) if (keep(n)) out.push(n);
  return out.sort(compareNodes(q.sort, q.descending));
}

/** Counts by provision state, most numerous first; the state bar draws them. */
export function countByState(nodes: Iterable<FleetNode>): [state: string, count: number][] {
  const counts = new Map<string, number>();
  for (const n of nodes) counts.set(n.provision_state, (counts.get(n.provision_state) ?? 0) + 1);
  return [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
}

/** The distinct values of a field, sorted, for a filter's choices. */
export function distinctValues(nodes: Iterable<FleetNode>, key: 'driver' | 'owner'): string[] {
  const seen = new Set<string>();
  for (const n of nodes) {
    const v = n[key];
    if (v) seen.add(v);
  }
  return [...seen].sort(collator.compare);
}

/** The query as URL search parameters (the view's address can be shared) and back. */
export function queryToParams(q: FleetQuery): URLSearchParams {
  const p = new URLSearchParams();
  if (q.states.length) p.set('state', q.states.join(','));
  if (q.power !== 'any') p.set('power', q.power);
  if (q.driver) p.set('driver', q.driver);
  if (q.maintenance !== 'any') p.set('maintenance', q.maintenance);
  if (q.owner) p.set('owner', q.owner);
  if (q.text) p.set('q', q.text);
  if (q.sort !== 'name') p.set('sort', q.sort);
  if (q.descending) p.set('desc', '1');
  return p;
}

const SORT_KEYS: readonly SortKey[] = ['name', 'provision_state', 'power_state', 'driver', 'owner', 'updated_at'];

export function queryFromParams(p: URLSearchParams): FleetQuery {
  const power = p.get('power');
  const maintenance = p.get('maintenance');
  const sort = p.get('sort') as SortKey | null;
  return {
    states: (p.get('state') ?? '').split(',').filter(Boolean),
    power: power === 'power on' || power === 'power off' || power === 'unknown' ? power : 'any',
    driver: p.get('driver') ?? '',
    maintenance: maintenance === 'yes' || maintenance === 'no' ? maintenance : 'any',
    owner: p.get('owner') ?? '',
    text: p.get('q') ?? '',
    sort: sort && SORT_KEYS.includes(sort) ? sort : 'name',
    descending: p.get('desc') === '1',
  };
}
