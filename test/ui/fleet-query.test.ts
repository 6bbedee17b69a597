import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  DEFAULT_QUERY, FLEET_FIELDS, compareNodes, countByState, distinctValues, nodePredicate, queryFromParams,
  queryToParams, selectNodes, stateTone, type FleetNode, type FleetQuery, type SortKey,
} from '../../ui/src/fleet/fleet-query.ts';
import { ALL_STATES } from '../../src/domain/provision-state-machine.js';

/*
 * The expectations below are computed by code written here from the fleet view's rules as stated (filters, null-last
 * ordering, numeric-aware names, ties on name then UUID), not by calling the module's own helpers.
 */

function node(fields: Partial<FleetNode> = {}): FleetNode {
  return {
    uuid: '00000000-0000-4000-8000-000000000000', name: null, provision_state: 'available',
    target_provision_state: null, power_state: 'power off', target_power_state: null, last_error: null,
    maintenance: false, maintenance_reason: null, deploy_step: null, clean_step: null, driver: 'ipmi', owner: null,
    resource_class: null, updated_at: null, fault: null, ...fields,
  };
}

const q = (fields: Partial<FleetQuery> = {}): FleetQuery => ({ ...DEFAULT_QUERY, ...fields });
const names = (nodes: readonly FleetNode[]) => nodes.map((n) => n.name);
const uuids = (nodes: readonly FleetNode[]) => nodes.map((n) => n.uuid);

/** mulberry32: a small seeded generator, so the generated fleet is the same on every run. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const STATES = ['active', 'available', 'manageable', 'enroll', 'deploying', 'wait call-back', 'deploy failed',
  'clean wait', 'clean failed', 'inspect wait', 'error'];
const POWER = ['power on', 'power off', null, 'error'];
const DRIVERS = ['ipmi', 'redfish', 'idrac-redfish'];
const OWNERS = [null, 'tenant-a', 'Tenant-B', 'ops', 'tenant-10', 'tenant-9'];
const ERRORS = [null, null, null, 'BMC timeout after 60s', 'Deploy step write_image failed: HTTP 404', 'IPMI auth refused'];
const CLASSES = [null, 'baremetal', 'gpu-large'];

function generateFleet(count: number, seed: number): FleetNode[] {
  const r = rng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)];
  const hex = (len: number) => Array.from({ length: len }, () => Math.floor(r() * 16).toString(16)).join('');
  const out: FleetNode[] = [];
  for (let i = 0; i < count; i += 1) {
    const maintenance = r() < 0.1;
    const nameKind = r();
    // mostly unique names, some upper-case, some absent, a few duplicated (to exercise the UUID tie-break)
    const name = nameKind < 0.05 ? null : nameKind < 0.1 ? `Node-${i}` : nameKind < 0.13 ? `rack${i % 7}-dup` : `node-${i}`;
    out.push(node({
      uuid: `${hex(8)}-${hex(4)}-4${hex(3)}-8${hex(3)}-${hex(12)}`,
      name,
      provision_state: pick(STATES),
      power_state: pick(POWER),
      driver: pick(DRIVERS),
      maintenance,
      maintenance_reason: maintenance ? pick(['disk swap', 'Firmware upgrade', 'RMA 4411']) : null,
      owner: pick(OWNERS),
      last_error: pick(ERRORS),
      resource_class: pick(CLASSES),
      updated_at: r() < 0.1 ? null : new Date(Date.UTC(2025, 0, 1) + Math.floor(r() * 90 * 86400_000)).toISOString(),
    }));
  }
  return out;
}

const FLEET = generateFleet(10_000, 20250101);

/** The filter, written independently of the module. */
function expectedKeep(n: FleetNode, query: FleetQuery): boolean {
  if (query.states.length > 0 && !query.states.includes(n.provision_state)) return false;
  if (query.power === 'unknown' && n.power_state !== null) return false;
  if (query.power === 'power on' && n.power_state !== 'power on') return false;
  if (query.power === 'power off' && n.power_state !== 'power off') return false;
  if (query.driver !== '' && n.driver !== query.driver) return false;
  if (query.maintenance === 'yes' && !n.maintenance) return false;
  if (query.maintenance === 'no' && n.maintenance) return false;
  if (query.owner.trim() !== '' && n.owner !== query.owner.trim()) return false;
  const needle = query.text.trim().toLowerCase();
  if (needle === '') return true;
  // The module's doc comment lists name, UUID, owner, last_error and maintenance reason; the code also matches
  // driver and resource class, which is what this expectation follows.
  const hay = [n.name, n.uuid, n.owner, n.last_error, n.maintenance_reason, n.driver, n.resource_class];
  return hay.some((v) => v !== null && v.toLowerCase().includes(needle));
}

/** Natural order: case-insensitive, digit runs compared as numbers ("node-2" < "node-10"). */
function natural(a: string, b: string): number {
  const chunks = (s: string) => s.toLowerCase().match(/\d+|\D+/g) ?? [];
  const x = chunks(a);
  const y = chunks(b);
  for (let i = 0; i < Math.min(x.length, y.length); i += 1) {
    const dx = /^\d/.test(x[i]);
    const dy = /^\d/.test(y[i]);
    if (dx && dy) {
      const d = Number(x[i]) - Number(y[i]);
      if (d !== 0) return d;
    } else if (x[i] !== y[i]) {
      return x[i] < y[i] ? -1 : 1;
    }
  }
  return x.length - y.length;
}

/** The documented order, written independently: missing values last either way, ties on name then UUID. */
function expectedOrder(key: SortKey, descending: boolean): (a: FleetNode, b: FleetNode) => number {
  return (a, b) => {
    const x = a[key];
    const y = b[key];
    const missingX = x === null || x === '';
    const missingY = y === null || y === '';
    if (missingX !== missingY) return missingX ? 1 : -1;
    if (!missingX && !missingY) {
      const c = natural(String(x), String(y));
      if (c !== 0) return descending ? -c : c;
    }
    return natural(a.name ?? '', b.name ?? '') || (a.uuid < b.uuid ? -1 : a.uuid > b.uuid ? 1 : 0);
  };
}

function shuffled<T>(xs: readonly T[], seed: number): T[] {
  const r = rng(seed);
  const out = [...xs];
  for (let i = out.length - 1; i > 0; i -= 1) {
    const j = Math.floor(r() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

function assertSameSet(actual: readonly FleetNode[], expected: readonly FleetNode[], label: string): void {
  assert.equal(actual.length, expected.length, `${label}: ${actual.length} kept, ${expected.length} expected`);
  assert.deepEqual(uuids(actual).sort(), uuids(expected).sort(), label);
}

describe('fleet query: filters over 10,000 generated nodes', () => {
  it('the generated fleet has every value of every field, so each filter below keeps a strict, non-empty part', () => {
    assert.equal(FLEET.length, 10_000);
    assert.equal(new Set(uuids(FLEET)).size, 10_000, 'UUIDs are unique');
    for (const s of STATES) assert.ok(FLEET.some((n) => n.provision_state === s), s);
    for (const p of POWER) assert.ok(FLEET.some((n) => n.power_state === p), String(p));
    for (const o of OWNERS) assert.ok(FLEET.some((n) => n.owner === o), String(o));
    assert.ok(FLEET.some((n) => n.name === null) && FLEET.some((n) => n.updated_at === null));
  });

  it('the default query keeps every node', () => {
    assert.equal(selectNodes(FLEET, DEFAULT_QUERY).length, FLEET.length);
    assert.equal(FLEET.filter(nodePredicate(DEFAULT_QUERY)).length, FLEET.length);
  });

  const single: [string, FleetQuery][] = [
    ...STATES.map((s): [string, FleetQuery] => [`state ${s}`, q({ states: [s] })]),
    ['states active + deploy failed + error', q({ states: ['active', 'deploy failed', 'error'] })],
    ['a state no node is in', q({ states: ['rescue'] })],
    ...(['power on', 'power off', 'unknown'] as const).map((p): [string, FleetQuery] => [`power ${p}`, q({ power: p })]),
    ...DRIVERS.map((d): [string, FleetQuery] => [`driver ${d}`, q({ driver: d })]),
    ['maintenance yes', q({ maintenance: 'yes' })],
    ['maintenance no', q({ maintenance: 'no' })],
    ...['tenant-a', 'Tenant-B', 'ops', 'tenant-9'].map((o): [string, FleetQuery] => [`owner ${o}`, q({ owner: o })]),
    ['owner with surrounding spaces', q({ owner: '  ops ' })],
    ['text in last_error, other case', q({ text: 'bmc TIMEOUT' })],
    ['text in maintenance reason', q({ text: 'firmware' })],
    ['text in owner', q({ text: 'TENANT-b' })],
    ['text in name', q({ text: 'node-12' })],
    ['text in UUID', q({ text: FLEET[4242].uuid.slice(9, 18).toUpperCase() })],
    ['text with surrounding spaces', q({ text: '  rack3-DUP ' })],
    ['text only spaces', q({ text: '   ' })],
    ['text matching nothing', q({ text: 'no-such-thing' })],
  ];
  for (const [label, query] of single) {
    it(`keeps exactly the nodes that match: ${label}`, () => {
      const expected = FLEET.filter((n) => expectedKeep(n, query));
      assertSameSet(selectNodes(FLEET, query), expected, label);
    });
  }

  it('each single filter is selective on this data (the comparisons above are not vacuous)', () => {
    for (const [label, query] of single) {
      const kept = FLEET.filter((n) => expectedKeep(n, query)).length;
      if (label === 'a state no node is in' || label === 'text matching nothing') assert.equal(kept, 0, label);
      else if (label === 'text only spaces') assert.equal(kept, FLEET.length, label);
      else assert.ok(kept > 0 && kept < FLEET.length, `${label}: ${kept}`);
    }
  });

  it('power "unknown" keeps only nodes without a power state, not those in power state "error"', () => {
    const kept = selectNodes(FLEET, q({ power: 'unknown' }));
    assert.ok(kept.length > 0);
    assert.ok(kept.every((n) => n.power_state === null));
    const errorPower = FLEET.filter((n) => n.power_state === 'error').length;
    const onOff = selectNodes(FLEET, q({ power: 'power on' })).length + selectNodes(FLEET, q({ power: 'power off' })).length;
    assert.equal(kept.length + onOff + errorPower, FLEET.length);
  });

  it('owner is an exact, case-sensitive match (tenant-a is not Tenant-a, tenant-1 is not tenant-10)', () => {
    assert.equal(selectNodes(FLEET, q({ owner: 'Tenant-a' })).length, 0);
    assert.equal(selectNodes(FLEET, q({ owner: 'tenant-1' })).length, 0);
    assert.ok(selectNodes(FLEET, q({ owner: 'tenant-10' })).every((n) => n.owner === 'tenant-10'));
  });

  it('combinations of filters keep exactly the intersection (300 random queries)', () => {
    const r = rng(7);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)];
    let nonEmpty = 0;
    for (let i = 0; i < 300; i += 1) {
      const query = q({
        states: STATES.filter(() => r() < 0.25),
        power: pick(['any', 'power on', 'power off', 'unknown'] as const),
        driver: pick(['', '', ...DRIVERS]),
        maintenance: pick(['any', 'yes', 'no'] as const),
        owner: pick(['', '', 'tenant-a', 'Tenant-B', 'ops']),
        text: pick(['', '', '', 'node-1', 'ERROR', 'timeout', 'rack', 'GPU', 'a']),
      });
      const expected = FLEET.filter((n) => expectedKeep(n, query));
      if (expected.length > 0) nonEmpty += 1;
      assertSameSet(selectNodes(FLEET, query), expected, JSON.stringify(query));
      // the combination equals every single filter applied one after the other
      const chained = [
        q({ states: query.states }), q({ power: query.power }), q({ driver: query.driver }),
        q({ maintenance: query.maintenance }), q({ owner: query.owner }), q({ text: query.text }),
      ].reduce<FleetNode[]>((nodes, one) => nodes.filter(nodePredicate(one)), FLEET);
      assertSameSet(selectNodes(FLEET, query), chained, `chained ${JSON.stringify(query)}`);
    }
    assert.ok(nonEmpty > 100, `only ${nonEmpty} queries kept anything`);
  });

  it('selectNodes accepts any iterable and leaves its input alone', () => {
    const before = uuids(FLEET);
    const fromMap = selectNodes(new Map(FLEET.map((n) => [n.uuid, n])).values(), q({ driver: 'redfish' }));
    assertSameSet(fromMap, FLEET.filter((n) => n.driver === 'redfish'), 'from a Map');
    assert.deepEqual(uuids(FLEET), before);
  });
});

describe('fleet query: free text', () => {
  const nodes = [
    node({ uuid: '1b4e28ba-2fa1-41d2-883f-0016d3cca427', name: 'web-01', owner: 'Alpha' }),
    node({ uuid: '6ec0bd7f-11c0-43da-975e-2a8ad9ebae0b', name: 'db-01', last_error: 'Timeout waiting for BMC' }),
    node({ uuid: '9f2d5c3e-0000-4000-8000-00000000abcd', name: null, maintenance: true, maintenance_reason: 'PSU Swap' }),
    node({ uuid: 'aaaaaaaa-0000-4000-8000-000000000001', name: 'spare', provision_state: 'active', fault: 'power failure' }),
  ];
  const hits = (text: string) => selectNodes(nodes, q({ text })).map((n) => n.name ?? n.uuid);

  it('matches name, UUID, owner, last_error and maintenance reason, whatever the case', () => {
    assert.deepEqual(hits('WEB'), ['web-01']);
    assert.deepEqual(hits('6EC0BD7F'), ['db-01']);
    assert.deepEqual(hits('alpha'), ['web-01']);
    assert.deepEqual(hits('timeout WAITING'), ['db-01']);
    assert.deepEqual(hits('psu swap'), ['9f2d5c3e-0000-4000-8000-00000000abcd']);
    assert.deepEqual(hits('-01'), ['db-01', 'web-01']);
  });

  it('trims the text; blank text keeps everything', () => {
    assert.deepEqual(hits('  web\t'), ['web-01']);
    assert.equal(hits(' \n ').length, nodes.length);
  });

  it('does not match the provision state or the fault', () => {
    assert.deepEqual(hits('active'), []);
    assert.deepEqual(hits('power failure'), []);
  });
});

describe('fleet query: order', () => {
  const KEYS: SortKey[] = ['name', 'provision_state', 'power_state', 'driver', 'owner', 'updated_at'];
  for (const key of KEYS) {
    for (const descending of [false, true]) {
      it(`sorts 10,000 nodes by ${key} ${descending ? 'descending' : 'ascending'}, missing values last, ties on name then UUID`, () => {
        const actual = selectNodes(shuffled(FLEET, 11), q({ sort: key, descending }));
        const expected = [...FLEET].sort(expectedOrder(key, descending));
        assert.deepEqual(uuids(actual), uuids(expected));
        // the order does not depend on the input order
        assert.deepEqual(uuids(selectNodes(shuffled(FLEET, 12), q({ sort: key, descending }))), uuids(actual));
        const firstMissing = actual.findIndex((n) => n[key] === null);
        if (firstMissing >= 0) assert.ok(actual.slice(firstMissing).every((n) => n[key] === null), 'missing values are last');
      });
    }
  }

  it('orders names numerically: node-2 before node-10, in both directions', () => {
    const nodes = ['node-10', 'node-2', 'node-100', 'node-1', 'node-9', 'node-20'].map((name, i) => node({ uuid: `u${i}`, name }));
    assert.deepEqual(names(selectNodes(nodes, q())), ['node-1', 'node-2', 'node-9', 'node-10', 'node-20', 'node-100']);
    assert.deepEqual(names(selectNodes(nodes, q({ descending: true }))), ['node-100', 'node-20', 'node-10', 'node-9', 'node-2', 'node-1']);
    const racks = ['r10-n2', 'r2-n10', 'r2-n9', 'r10-n10'].map((name, i) => node({ uuid: `v${i}`, name }));
    assert.deepEqual(names(selectNodes(racks, q())), ['r2-n9', 'r2-n10', 'r10-n2', 'r10-n10']);
  });

  it('orders names case-insensitively', () => {
    const nodes = ['beta', 'Alpha', 'gamma', 'Delta'].map((name, i) => node({ uuid: `u${i}`, name }));
    assert.deepEqual(names(selectNodes(nodes, q())), ['Alpha', 'beta', 'Delta', 'gamma']);
  });

  it('puts nodes without the sort field last in both directions', () => {
    const nodes = [
      node({ uuid: 'a', name: 'n1', owner: null }),
      node({ uuid: 'b', name: 'n2', owner: 'ops' }),
      node({ uuid: 'c', name: 'n3', owner: 'dev' }),
      node({ uuid: 'd', name: 'n4', owner: null }),
      node({ uuid: 'e', name: 'n5', owner: 'qa' }),
    ];
    assert.deepEqual(names(selectNodes(nodes, q({ sort: 'owner' }))), ['n3', 'n2', 'n5', 'n1', 'n4']);
    assert.deepEqual(names(selectNodes(nodes, q({ sort: 'owner', descending: true }))), ['n5', 'n2', 'n3', 'n1', 'n4']);
    const unnamed = [node({ uuid: 'z', name: null }), node({ uuid: 'y', name: 'b' }), node({ uuid: 'x', name: 'a' })];
    assert.deepEqual(uuids(selectNodes(unnamed, q())), ['x', 'y', 'z']);
    assert.deepEqual(uuids(selectNodes(unnamed, q({ descending: true }))), ['y', 'x', 'z']);
  });

  it('an empty string counts as missing, like null', () => {
    const nodes = [node({ uuid: 'a', name: 'n1', owner: '' }), node({ uuid: 'b', name: 'n2', owner: 'ops' })];
    assert.deepEqual(names(selectNodes(nodes, q({ sort: 'owner' }))), ['n2', 'n1']);
    assert.deepEqual(names(selectNodes(nodes, q({ sort: 'owner', descending: true }))), ['n2', 'n1']);
  });

  it('breaks ties on name ascending then UUID, whichever the direction, so the order is stable', () => {
    const nodes = [
      node({ uuid: 'c', name: 'web-2', driver: 'ipmi' }),
      node({ uuid: 'b', name: 'web-10', driver: 'ipmi' }),
      node({ uuid: 'a', name: 'web-2', driver: 'ipmi' }),
      node({ uuid: 'd', name: 'db-1', driver: 'redfish' }),
    ];
    assert.deepEqual(uuids(selectNodes(nodes, q({ sort: 'driver' }))), ['a', 'c', 'b', 'd']);
    assert.deepEqual(uuids(selectNodes(nodes, q({ sort: 'driver', descending: true }))), ['d', 'a', 'c', 'b']);
    for (let seed = 1; seed <= 20; seed += 1) {
      assert.deepEqual(uuids(selectNodes(shuffled(nodes, seed), q({ sort: 'driver' }))), ['a', 'c', 'b', 'd']);
    }
  });

  it('orders updated_at chronologically', () => {
    const nodes = [
      node({ uuid: 'a', name: 'a', updated_at: '2025-03-01T10:00:00.000Z' }),
      node({ uuid: 'b', name: 'b', updated_at: '2024-12-31T23:59:59.999Z' }),
      node({ uuid: 'c', name: 'c', updated_at: '2025-03-01T09:59:59.999Z' }),
      node({ uuid: 'd', name: 'd', updated_at: null }),
    ];
    assert.deepEqual(names(selectNodes(nodes, q({ sort: 'updated_at' }))), ['b', 'c', 'a', 'd']);
    assert.deepEqual(names(selectNodes(nodes, q({ sort: 'updated_at', descending: true }))), ['a', 'c', 'b', 'd']);
  });

  it('compareNodes is antisymmetric over the generated fleet', () => {
    const sample = FLEET.slice(0, 300);
    for (const key of KEYS) {
      for (const descending of [false, true]) {
        const cmp = compareNodes(key, descending);
        for (let i = 0; i < sample.length; i += 1) {
          for (let j = i; j < sample.length; j += 7) {
            const ab = Math.sign(cmp(sample[i], sample[j]));
            const ba = Math.sign(cmp(sample[j], sample[i]));
            assert.equal(ab, -ba || 0, `${key} ${descending}: ${sample[i].uuid} vs ${sample[j].uuid}`);
          }
        }
      }
    }
  });

  // A node with owner null and one with owner '' are both "without an owner", yet each compares after the other
  // (compareNodes returns 1 for both (a, b) and (b, a)), so their order depends on the input order.
  it('orders a null and an empty value the same way whatever the input order', () => {
    const a = node({ uuid: 'a', name: 'a', owner: null });
    const b = node({ uuid: 'b', name: 'b', owner: '' });
    const c = node({ uuid: 'c', name: 'c', owner: 'ops' });
    const cmp = compareNodes('owner', false);
    assert.equal(Math.sign(cmp(a, b)), -Math.sign(cmp(b, a)));
    assert.deepEqual(names(selectNodes([a, b, c], q({ sort: 'owner' }))), ['c', 'a', 'b']);
    assert.deepEqual(names(selectNodes([b, a, c], q({ sort: 'owner' }))), ['c', 'a', 'b']);
  });
});

describe('fleet query: counts by state', () => {
  it('counts every state of the generated fleet, most numerous first, ties by name', () => {
    const expected = new Map<string, number>();
    for (const n of FLEET) expected.set(n.provision_state, (expected.get(n.provision_state) ?? 0) + 1);
    const counts = countByState(FLEET);
    assert.deepEqual(new Map(counts), expected);
    assert.equal(counts.reduce((sum, [, c]) => sum + c, 0), FLEET.length);
    for (let i = 1; i < counts.length; i += 1) {
      const [ps, pc] = counts[i - 1];
      const [s, c] = counts[i];
      assert.ok(pc > c || (pc === c && ps < s), `${ps}=${pc} before ${s}=${c}`);
    }
  });

  it('orders equal counts alphabetically', () => {
    const nodes = [
      ...Array.from({ length: 3 }, (_, i) => node({ uuid: `m${i}`, provision_state: 'manageable' })),
      ...Array.from({ length: 5 }, (_, i) => node({ uuid: `a${i}`, provision_state: 'active' })),
      ...Array.from({ length: 3 }, (_, i) => node({ uuid: `d${i}`, provision_state: 'deploy failed' })),
      node({ uuid: 'e', provision_state: 'enroll' }),
      ...Array.from({ length: 3 }, (_, i) => node({ uuid: `c${i}`, provision_state: 'clean wait' })),
    ];
    assert.deepEqual(countByState(nodes), [['active', 5], ['clean wait', 3], ['deploy failed', 3], ['manageable', 3], ['enroll', 1]]);
  });

  it('is empty for no nodes', () => {
    assert.deepEqual(countByState([]), []);
  });
});

describe('fleet query: distinct values', () => {
  it('lists each driver and owner once, sorted, without missing values', () => {
    assert.deepEqual(distinctValues(FLEET, 'driver'), ['idrac-redfish', 'ipmi', 'redfish']);
    assert.deepEqual(distinctValues(FLEET, 'owner'), ['ops', 'tenant-9', 'tenant-10', 'tenant-a', 'Tenant-B']);
  });

  it('drops null and empty values and orders numerically', () => {
    const nodes = [null, '', 'rack-10', 'rack-2', 'rack-2', 'Rack-1', null].map((owner, i) => node({ uuid: `u${i}`, owner }));
    assert.deepEqual(distinctValues(nodes, 'owner'), ['Rack-1', 'rack-2', 'rack-10']);
    assert.deepEqual(distinctValues([], 'driver'), []);
  });
});

describe('fleet query: URL parameters', () => {
  it('writes nothing for the default query', () => {
    assert.equal(queryToParams(DEFAULT_QUERY).toString(), '');
    assert.deepEqual(queryFromParams(new URLSearchParams()), DEFAULT_QUERY);
  });

  it('writes each non-default field under its parameter', () => {
    const p = queryToParams({
      states: ['active', 'deploy failed'], power: 'power on', driver: 'redfish', maintenance: 'yes', owner: 'tenant a',
      text: 'bmc & co', sort: 'updated_at', descending: true,
    });
    assert.deepEqual([...p], [
      ['state', 'active,deploy failed'], ['power', 'power on'], ['driver', 'redfish'], ['maintenance', 'yes'],
      ['owner', 'tenant a'], ['q', 'bmc & co'], ['sort', 'updated_at'], ['desc', '1'],
    ]);
  });

  it('reads a shared address', () => {
    const p = new URLSearchParams('state=active,deploy%20failed&power=power+off&maintenance=no&q=web&sort=driver&desc=1');
    assert.deepEqual(queryFromParams(p), {
      states: ['active', 'deploy failed'], power: 'power off', driver: '', maintenance: 'no', owner: '', text: 'web',
      sort: 'driver', descending: true,
    });
  });

  it('round-trips 500 random queries through the address text', () => {
    const r = rng(99);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)];
    for (let i = 0; i < 500; i += 1) {
      const query: FleetQuery = {
        states: STATES.filter(() => r() < 0.2),
        power: pick(['any', 'power on', 'power off', 'unknown'] as const),
        driver: pick(['', 'ipmi', 'idrac-redfish']),
        maintenance: pick(['any', 'yes', 'no'] as const),
        owner: pick(['', 'tenant-a', 'Tenant B', 'a&b=c']),
        text: pick(['', 'node-1', '  padded ', 'ünïcode', 'a+b %20 #x', '?q=1&desc=0']),
        sort: pick(['name', 'provision_state', 'power_state', 'driver', 'owner', 'updated_at'] as const),
        descending: r() < 0.5,
      };
      const text = queryToParams(query).toString();
      assert.deepEqual(queryFromParams(new URLSearchParams(text)), query, text);
    }
  });

  it('falls back to the default for values it does not know', () => {
    const p = new URLSearchParams('power=on&maintenance=true&sort=uuid&desc=true');
    const got = queryFromParams(p);
    assert.equal(got.power, 'any');
    assert.equal(got.maintenance, 'any');
    assert.equal(got.sort, 'name');
    assert.equal(got.descending, false);
    for (const sort of ['fault', 'last_error', 'toString', '__proto__', 'NAME', '']) {
      assert.equal(queryFromParams(new URLSearchParams({ sort })).sort, 'name', sort);
    }
    for (const power of ['Power On', 'error', 'any', '']) {
      assert.equal(queryFromParams(new URLSearchParams({ power })).power, 'any', power);
    }
    for (const desc of ['0', 'yes', '', 'true']) {
      assert.equal(queryFromParams(new URLSearchParams({ desc })).descending, false, desc);
    }
  });

  it('drops empty state segments', () => {
    assert.deepEqual(queryFromParams(new URLSearchParams('state=,active,,clean%20wait,')).states, ['active', 'clean wait']);
    assert.deepEqual(queryFromParams(new URLSearchParams('state=')).states, []);
  });
});

describe('fleet query: state tone', () => {
  const EXPECTED: Record<string, string> = {
    active: 'active', available: 'available',
    enroll: 'idle', manageable: 'idle', rescue: 'idle',
    error: 'failed', 'deploy failed': 'failed', 'clean failed': 'failed', 'inspect failed': 'failed',
    'rescue failed': 'failed', 'unrescue failed': 'failed', 'adopt failed': 'failed', 'service failed': 'failed',
    'wait call-back': 'wait', 'clean wait': 'wait', 'inspect wait': 'wait', 'rescue wait': 'wait', 'service wait': 'wait',
    verifying: 'busy', inspecting: 'busy', cleaning: 'busy', 'clean hold': 'busy', deploying: 'busy',
    'deploy hold': 'busy', deleting: 'busy', adopting: 'busy', rescuing: 'busy', unrescuing: 'busy',
    servicing: 'busy', 'service hold': 'busy',
  };

  it('gives every Ironic provision state its tone', () => {
    assert.deepEqual(Object.keys(EXPECTED).sort(), [...ALL_STATES].sort(), 'the table covers every state');
    for (const s of ALL_STATES) assert.equal(stateTone(s), EXPECTED[s], s);
  });

  it('calls a state it does not know busy', () => {
    assert.equal(stateTone('nostate'), 'busy');
    assert.equal(stateTone(''), 'busy');
  });
});

describe('fleet query: fields', () => {
  it('FLEET_FIELDS names every field of a fleet node once', () => {
    assert.deepEqual([...FLEET_FIELDS].sort(), Object.keys(node()).sort());
    assert.equal(new Set(FLEET_FIELDS).size, FLEET_FIELDS.length);
  });
});
