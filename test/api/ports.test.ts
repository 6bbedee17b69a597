import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { testDialects } from '../helpers/databases.js';
import { apiClient, faultOf, startTestService, waitFor, type TestService } from '../helpers/service.js';

const FIELDS_182 = [
  'address', 'created_at', 'extra', 'internal_info', 'is_smartnic', 'links', 'local_link_connection', 'node_uuid',
  'physical_network', 'portgroup_uuid', 'pxe_enabled', 'updated_at', 'uuid',
];

let macSeq = 0;
/** A MAC unique within this run (upper case, so tests also see it normalised). */
function mac(): string {
  macSeq += 1;
  return `52:54:00:AB:${(macSeq >> 8).toString(16).padStart(2, '0')}:${(macSeq & 0xff).toString(16).padStart(2, '0')}`.toUpperCase();
}

for (const dialect of testDialects()) {
  describe(`ports API on ${dialect}`, () => {
    let svc: TestService;
    let api: ReturnType<typeof apiClient>;

    before(async () => {
      svc = await startTestService(dialect);
      api = apiClient(svc.url);
    });
    after(() => svc.close());

    async function node(body: Record<string, unknown> = {}): Promise<{ uuid: string; name: string | null }> {
      const r = await api.post('/v1/nodes', { driver: 'fake-hardware', ...body });
      assert.equal(r.status, 201, r.text);
      return r.body;
    }
    async function port(nodeUuid: string, body: Record<string, unknown> = {}, version = 'latest') {
      const r = await api.post('/v1/ports', { node_uuid: nodeUuid, address: mac(), ...body }, { version });
      assert.equal(r.status, 201, r.text);
      return r.body;
    }
    async function portCount(): Promise<number> {
      return (await api.get('/v1/ports?limit=1000')).body.ports.length;
    }
    async function provision(ident: string, target: string, until: string) {
      const r = await api.put(`/v1/nodes/${ident}/states/provision`, { target });
      assert.equal(r.status, 202, r.text);
      await waitFor(async () => ((await api.get(`/v1/nodes/${ident}`)).body.provision_state === until ? true : undefined), 10_000, until);
    }

    it('creates ports with the fields and defaults of the requested version', async () => {
      const n = await node();
      const address = mac();
      const r = await api.post('/v1/ports', { node_uuid: n.uuid, address, extra: { rack: 'r1' } });
      assert.equal(r.status, 201);
      assert.equal(r.headers.get('location'), `${svc.url}/v1/ports/${r.body.uuid}`);
      assert.deepEqual(Object.keys(r.body).sort(), FIELDS_182);
      assert.equal(r.body.address, address.toLowerCase(), 'addresses are stored lower case');
      assert.equal(r.body.node_uuid, n.uuid);
      assert.equal(r.body.pxe_enabled, true);
      assert.deepEqual(r.body.local_link_connection, {});
      assert.deepEqual(r.body.internal_info, {});
      assert.equal(r.body.portgroup_uuid, null);
      assert.equal(r.body.physical_network, null);
      assert.equal(r.body.is_smartnic, false);
      assert.deepEqual(r.body.extra, { rack: 'r1' });
      assert.equal(r.body.updated_at, null);
      assert.deepEqual(r.body.links, [
        { href: `${svc.url}/v1/ports/${r.body.uuid}`, rel: 'self' },
        { href: `${svc.url}/ports/${r.body.uuid}`, rel: 'bookmark' },
      ]);

      const old = await port(n.uuid, {}, '1.1');
      assert.deepEqual(Object.keys(old).sort(), ['address', 'created_at', 'extra', 'links', 'node_uuid', 'updated_at', 'uuid']);
      const at18 = await api.get(`/v1/ports/${old.uuid}`, { version: '1.18' });
      assert.ok('internal_info' in at18.body && !('pxe_enabled' in at18.body), 'internal_info at 1.18, pxe_enabled only at 1.19');
      const at52 = await api.get(`/v1/ports/${old.uuid}`, { version: '1.52' });
      assert.ok('physical_network' in at52.body && !('is_smartnic' in at52.body));

      const uuid = randomUUID();
      const given = await port(n.uuid, { uuid });
      assert.equal(given.uuid, uuid);
    });

    it('refuses bad port documents and leaves nothing behind', async () => {
      const n = await node();
      const taken = await port(n.uuid);
      const before = await portCount();
      const cases: [unknown, number, string | RegExp, string?][] = [
        [{ node_uuid: n.uuid, address: mac(), foo: 1 }, 400, "Schema error for port: Additional properties are not allowed ('foo' was unexpected)"],
        [{ node_uuid: n.uuid }, 400, /'address' is a required property/],
        [{ address: mac() }, 400, /'node_uuid' is a required property/],
        [{ node_uuid: n.uuid, address: 'malformed:mac' }, 400, /Expected a MAC address/],
        [{ node_uuid: 'malformed:nodeid', address: mac() }, 400, /Expected a UUID/],
        [{ node_uuid: n.uuid, address: mac(), uuid: 'malformed:uuid' }, 400, /Expected a UUID/],
        [{ node_uuid: n.uuid, address: taken.address }, 409, `A port with MAC address ${taken.address} already exists.`],
        [{ node_uuid: n.uuid, address: mac(), uuid: taken.uuid }, 409, `A port with UUID ${taken.uuid} already exists.`],
        [{ node_uuid: n.uuid, address: mac(), pxe_enabled: true }, 406, /1\.19/, '1.18'],
        [{ node_uuid: n.uuid, address: mac(), portgroup_uuid: randomUUID() }, 406, /1\.24/, '1.23'],
        [{ node_uuid: n.uuid, address: mac(), physical_network: 'physnet1' }, 406, /1\.34/, '1.33'],
        [{ node_uuid: n.uuid, address: mac(), is_smartnic: true }, 406, /1\.53/, '1.52'],
        [{ node_uuid: n.uuid, address: mac(), physical_network: '' }, 400, 'A non-empty value is required when setting physical_network'],
        [{ node_uuid: n.uuid, address: mac(), physical_network: 'p'.repeat(65) }, 400, /too long/],
        [{ node_uuid: n.uuid, address: mac(), pxe_enabled: 'maybe' }, 400, /boolean/],
      ];
      for (const [body, status, message, version] of cases) {
        const r = await api.post('/v1/ports', body, { version: version ?? 'latest' });
        assert.equal(r.status, status, `${JSON.stringify(body)} -> ${r.text}`);
        if (typeof message === 'string') assert.equal(faultOf(r.body), message);
        else assert.match(faultOf(r.body) ?? '', message);
      }
      const missing = randomUUID();
      const noNode = await api.post('/v1/ports', { node_uuid: missing, address: mac() });
      assert.equal(noNode.status, 400, 'a node that does not exist is a bad request, not a 404');
      assert.equal(faultOf(noNode.body), `Node ${missing} could not be found.`);
      assert.equal(await portCount(), before, 'no failed request created a port');
    });

    it('checks local_link_connection and smart NIC ports as Ironic does', async () => {
      const n = await node();
      const ok = await port(n.uuid, { local_link_connection: { switch_id: '0A-1B-2C-3D-4E-5F', port_id: 'Eth1/1', switch_info: 'tor-1' } });
      assert.deepEqual(ok.local_link_connection, { switch_id: '0a:1b:2c:3d:4e:5f', port_id: 'Eth1/1', switch_info: 'tor-1' }, 'switch IDs are normalised');
      const datapath = await port(n.uuid, { local_link_connection: { switch_id: '0x000000000000ABCD', port_id: 'p1' } });
      assert.equal(datapath.local_link_connection.switch_id, '0x000000000000abcd');
      await port(n.uuid, { local_link_connection: { network_type: 'unmanaged' } });
      const smart = await port(n.uuid, { is_smartnic: true, local_link_connection: { port_id: 'rep0', hostname: 'dpu-1' } });
      assert.equal(smart.is_smartnic, true);
      const bad: [Record<string, unknown>, number, RegExp | string, string?][] = [
        [{ local_link_connection: { switch_id: 'not-a-switch', port_id: 'p' } }, 400, 'Expected a MAC address or OpenFlow datapath ID but received not-a-switch.'],
        [{ local_link_connection: { switch_id: '00:11:22:33:44:55' } }, 400, /switch_id and port_id/],
        [{ local_link_connection: { port: 'p1' } }, 400, /Invalid local_link_connection key/],
        [{ local_link_connection: { network_type: 'wired' } }, 400, /network_type/],
        [{ local_link_connection: { network_type: 'unmanaged' } }, 406, /1\.64/, '1.63'],
        [{ is_smartnic: true, local_link_connection: { switch_id: '00:11:22:33:44:55', port_id: 'p' } }, 400, 'Smart NIC port must have port_id and hostname in local_link_connection'],
        [{ is_smartnic: true }, 400, 'Smart NIC port must have port_id and hostname in local_link_connection'],
      ];
      for (const [extra, status, message, version] of bad) {
        const r = await api.post('/v1/ports', { node_uuid: n.uuid, address: mac(), ...extra }, { version: version ?? 'latest' });
        assert.equal(r.status, status, `${JSON.stringify(extra)} -> ${r.text}`);
        if (typeof message === 'string') assert.equal(faultOf(r.body), message);
        else assert.match(faultOf(r.body) ?? '', message);
      }
      const patchOld = await api.patch(`/v1/ports/${ok.uuid}`, [{ op: 'add', path: '/local_link_connection/network_type', value: 'managed' }], { version: '1.63' });
      assert.equal(patchOld.status, 406);
      const patchNew = await api.patch(`/v1/ports/${ok.uuid}`, [{ op: 'add', path: '/local_link_connection/network_type', value: 'managed' }]);
      assert.equal(patchNew.status, 200, patchNew.text);
      assert.equal(patchNew.body.local_link_connection.network_type, 'managed');
    });

    it('lists with filters, fields, sorting and next links', async () => {
      const a = await node({ name: 'ports-list-a' });
      const b = await node({ name: 'ports-list-b' });
      const onA = [await port(a.uuid), await port(a.uuid), await port(a.uuid)];
      const onB = [await port(b.uuid), await port(b.uuid)];

      const all = await api.get('/v1/ports');
      assert.equal(all.status, 200);
      for (const p of all.body.ports) assert.deepEqual(Object.keys(p).sort(), ['address', 'links', 'uuid']);
      assert.equal(all.body.next, undefined);

      const byName = await api.get('/v1/ports?node=ports-list-b');
      assert.deepEqual(byName.body.ports.map((p: { uuid: string }) => p.uuid), onB.map((p) => p.uuid));
      const byUuid = await api.get(`/v1/ports?node_uuid=${a.uuid}`);
      assert.deepEqual(byUuid.body.ports.map((p: { uuid: string }) => p.uuid), onA.map((p) => p.uuid));
      assert.equal((await api.get('/v1/ports?node_uuid=ports-list-a')).status, 400, 'node_uuid takes a UUID only');
      const noNode = await api.get('/v1/ports?node=no-such-node');
      assert.equal(noNode.status, 404);
      assert.equal(faultOf(noNode.body), 'Node no-such-node could not be found.');
      const byAddress = await api.get(`/v1/ports/detail?address=${onB[1].address.toUpperCase()}`);
      assert.equal(byAddress.body.ports.length, 1);
      assert.equal(byAddress.body.ports[0].uuid, onB[1].uuid);
      assert.equal((await api.get('/v1/ports?address=zz:zz')).status, 400);
      assert.equal((await api.get('/v1/ports?bogus=1')).status, 400);

      const detail = await api.get(`/v1/ports/detail?node=${a.uuid}`);
      assert.deepEqual(Object.keys(detail.body.ports[0]).sort(), FIELDS_182);
      const detail143 = await api.get(`/v1/ports?node=${a.uuid}&detail=true`, { version: '1.43' });
      assert.ok('pxe_enabled' in detail143.body.ports[0] && !('is_smartnic' in detail143.body.ports[0]));
      assert.equal((await api.get('/v1/ports?detail=true', { version: '1.42' })).status, 400);
      const oldDetail = await api.get(`/v1/ports/detail?node=${a.uuid}`, { version: '1.1' });
      assert.deepEqual(Object.keys(oldDetail.body.ports[0]).sort(), ['address', 'created_at', 'extra', 'links', 'node_uuid', 'updated_at', 'uuid']);

      const some = await api.get(`/v1/ports?node=${a.uuid}&fields=uuid,pxe_enabled`);
      assert.deepEqual(Object.keys(some.body.ports[0]).sort(), ['links', 'pxe_enabled', 'uuid'], 'links always stay');
      assert.equal((await api.get('/v1/ports?fields=physical_network', { version: '1.33' })).status, 406);
      assert.equal((await api.get('/v1/ports?fields=uuid', { version: '1.7' })).status, 406);
      assert.equal((await api.get('/v1/ports?fields=colour')).status, 400);
      assert.equal((await api.get('/v1/ports/detail?fields=uuid')).status, 400);

      const sorted = await api.get(`/v1/ports?node=${a.uuid}&sort_key=address&sort_dir=desc`);
      const addresses = sorted.body.ports.map((p: { address: string }) => p.address);
      assert.deepEqual(addresses, [...addresses].sort().reverse());
      assert.equal((await api.get('/v1/ports?sort_key=extra')).status, 400);
      assert.equal((await api.get('/v1/ports?sort_key=is_smartnic', { version: '1.52' })).status, 406);
      assert.equal((await api.get('/v1/ports?sort_dir=up')).status, 400);
      assert.equal((await api.get('/v1/ports?limit=0')).status, 400);
      const badMarker = await api.get(`/v1/ports?marker=${randomUUID()}`);
      assert.equal(badMarker.status, 404);

      // Pages of 2 over node a's 3 ports: a full page has a next link; the last page has none.
      const page1 = await api.get(`/v1/ports?node=${a.uuid}&limit=2`);
      assert.deepEqual(page1.body.ports.map((p: { uuid: string }) => p.uuid), onA.slice(0, 2).map((p) => p.uuid));
      const next = new URL(page1.body.next as string);
      assert.equal(`${next.origin}${next.pathname}`, `${svc.url}/v1/ports`);
      assert.equal(next.searchParams.get('node'), a.uuid);
      assert.equal(next.searchParams.get('limit'), '2');
      assert.equal(next.searchParams.get('marker'), onA[1].uuid);
      const page2 = await api.get(`${next.pathname}${next.search}`);
      assert.deepEqual(page2.body.ports.map((p: { uuid: string }) => p.uuid), [onA[2].uuid]);
      assert.equal(page2.body.next, undefined);

      // The node's own sub-collection, by name, with its own next links.
      const sub = await api.get('/v1/nodes/ports-list-a/ports?limit=3');
      assert.equal(sub.body.ports.length, 3);
      assert.ok((sub.body.next as string).startsWith(`${svc.url}/v1/nodes/${a.uuid}/ports?`));
      const empty = await api.get(new URL(sub.body.next as string).pathname + new URL(sub.body.next as string).search);
      assert.deepEqual(empty.body.ports, [], 'a last page of exactly `limit` items is followed by an empty one');
      const subDetail = await api.get(`/v1/nodes/${b.uuid}/ports/detail`);
      assert.deepEqual(subDetail.body.ports.map((p: { node_uuid: string }) => p.node_uuid), [b.uuid, b.uuid]);
      assert.equal((await api.get('/v1/nodes/no-such-node/ports')).status, 404);
    });

    it('shows, patches and deletes ports by UUID only', async () => {
      const n = await node();
      const other = await node();
      const p = await port(n.uuid, { extra: { key1: 'value1', key2: 'value2' } });
      const peer = await port(n.uuid);

      const byMac = await api.get(`/v1/ports/${p.address}`);
      assert.equal(byMac.status, 400, 'a MAC is not a port identity');
      assert.equal(faultOf(byMac.body), `Expected a UUID but received ${p.address}.`);
      const missing = randomUUID();
      const gone = await api.get(`/v1/ports/${missing}`);
      assert.equal(gone.status, 404);
      assert.equal(faultOf(gone.body), `Port ${missing} could not be found.`);
      const picked = await api.get(`/v1/ports/${p.uuid}?fields=address,extra`);
      assert.deepEqual(Object.keys(picked.body).sort(), ['address', 'extra', 'links']);

      const newAddress = mac();
      const mixed = await api.patch(`/v1/ports/${p.uuid}`, [
        { op: 'replace', path: '/address', value: newAddress },
        { op: 'replace', path: '/extra/key1', value: 0.5 },
        { op: 'remove', path: '/extra/key2' },
        { op: 'add', path: '/extra/key3', value: { cat: 'meow' } },
      ]);
      assert.equal(mixed.status, 200, mixed.text);
      assert.equal(mixed.body.address, newAddress.toLowerCase());
      assert.deepEqual(mixed.body.extra, { key1: 0.5, key3: { cat: 'meow' } });
      assert.notEqual(mixed.body.updated_at, null);
      assert.deepEqual(Object.keys(mixed.body).sort(), FIELDS_182);

      const failing: [unknown[], number, string?][] = [
        [[{ op: 'replace', path: '/extra/key1', value: 'x' }, { op: 'replace', path: '/nonexistent', value: 'v' }], 400],
        [[{ op: 'remove', path: '/address' }], 400],
        [[{ op: 'remove', path: '/uuid' }], 400],
        [[{ op: 'remove', path: '/nonexistent' }], 400],
        [[{ path: '/extra/a', ' op': 'add', value: 'v' }], 400],
        [[{ op: 'replace', path: '/node_uuid', value: 'malformed:node_uuid' }], 400],
        [[{ op: 'replace', path: '/node_uuid', value: randomUUID() }], 400],
        [[{ op: 'replace', path: '/address', value: 'malformed:mac' }], 400],
        [[{ op: 'replace', path: '/address', value: peer.address }], 409],
        [[{ op: 'replace', path: '/physical_network', value: '' }], 400],
        [[{ op: 'replace', path: '/physical_network', value: 'physnet1' }], 406, '1.33'],
        [[{ op: 'replace', path: '/pxe_enabled', value: false }], 406, '1.18'],
        [[], 400],
      ];
      for (const [ops, status, version] of failing) {
        const r = await api.patch(`/v1/ports/${p.uuid}`, ops, { version: version ?? 'latest' });
        assert.equal(r.status, status, `${JSON.stringify(ops)} -> ${r.text}`);
      }
      const unchanged = await api.get(`/v1/ports/${p.uuid}`);
      assert.deepEqual(unchanged.body, mixed.body, 'failed patches changed nothing');
      assert.equal((await api.patch(`/v1/ports/${p.address}`, [{ op: 'add', path: '/extra/a', value: 1 }])).status, 400);

      const physnet = await api.patch(`/v1/ports/${p.uuid}`, [{ op: 'add', path: '/physical_network', value: 'physnet1' }]);
      assert.equal(physnet.body.physical_network, 'physnet1');
      const cleared = await api.patch(`/v1/ports/${p.uuid}`, [{ op: 'remove', path: '/physical_network' }, { op: 'remove', path: '/extra' }]);
      assert.equal(cleared.body.physical_network, null);
      assert.deepEqual(cleared.body.extra, {});
      const moved = await api.patch(`/v1/ports/${p.uuid}`, [{ op: 'replace', path: '/node_uuid', value: other.uuid }]);
      assert.equal(moved.status, 200, moved.text);
      assert.equal(moved.body.node_uuid, other.uuid);
      assert.deepEqual((await api.get(`/v1/nodes/${other.uuid}/ports`)).body.ports.map((x: { uuid: string }) => x.uuid), [p.uuid]);

      assert.equal((await api.delete(`/v1/ports/${p.address}`)).status, 400);
      const del = await api.delete(`/v1/ports/${p.uuid}`);
      assert.equal(del.status, 204);
      assert.equal(del.text, '');
      assert.equal((await api.get(`/v1/ports/${p.uuid}`)).status, 404);
      assert.equal((await api.delete(`/v1/ports/${p.uuid}`)).status, 404);
      const update = await api.patch(`/v1/ports/${p.uuid}`, [{ op: 'add', path: '/extra/a', value: 1 }]);
      assert.equal(update.status, 404);
    });

    it("follows the node's state: wiring, hardware address and attached VIFs", async () => {
      const n = await node();
      const p = await port(n.uuid);
      await provision(n.uuid, 'manage', 'manageable');
      const wiringWhileManageable = await api.patch(`/v1/ports/${p.uuid}`, [{ op: 'replace', path: '/pxe_enabled', value: false }]);
      assert.equal(wiringWhileManageable.status, 200, wiringWhileManageable.text);
      await provision(n.uuid, 'provide', 'available');

      const wiring = await api.patch(`/v1/ports/${p.uuid}`, [{ op: 'replace', path: '/pxe_enabled', value: true }]);
      assert.equal(wiring.status, 409);
      assert.match(faultOf(wiring.body) ?? '', new RegExp(`^Port ${p.uuid} can not have any connectivity attributes .* updated unless node ${n.uuid} is in a enroll, inspecting, inspect wait, manageable state or in maintenance mode. The current state is available.$`));
      const sameValue = await api.patch(`/v1/ports/${p.uuid}`, [{ op: 'replace', path: '/pxe_enabled', value: false }]);
      assert.equal(sameValue.status, 200, 'setting a field to its current value is no change');
      const extra = await api.patch(`/v1/ports/${p.uuid}`, [{ op: 'add', path: '/extra/ok', value: true }]);
      assert.equal(extra.status, 200);
      const newAddress = mac();
      const address = await api.patch(`/v1/ports/${p.uuid}`, [{ op: 'replace', path: '/address', value: newAddress }]);
      assert.equal(address.status, 200, 'the address may change while no instance uses the node');

      const instance = randomUUID();
      assert.equal((await api.patch(`/v1/nodes/${n.uuid}`, [{ op: 'add', path: '/instance_uuid', value: instance }])).status, 200);
      const locked = await api.patch(`/v1/ports/${p.uuid}`, [{ op: 'replace', path: '/address', value: mac() }]);
      assert.equal(locked.status, 409);
      assert.equal(faultOf(locked.body), `Cannot update hardware address for port ${p.uuid} as node ${n.uuid} is active or has instance UUID assigned`);

      const vif = await api.post(`/v1/nodes/${n.uuid}/vifs`, { id: 'vif-1' });
      assert.equal(vif.status, 204, vif.text);
      const bound = await api.delete(`/v1/ports/${p.uuid}`);
      assert.equal(bound.status, 409);
      assert.equal(faultOf(bound.body), `Cannot delete the port ${p.uuid} as it is bound to VIF vif-1 for tenant use.`);
      assert.equal((await api.get(`/v1/ports/${p.uuid}`)).body.address, newAddress.toLowerCase(), 'refused changes left the port as it was');

      assert.equal((await api.put(`/v1/nodes/${n.uuid}/maintenance`, { reason: 'rewire' })).status, 202);
      const inMaintenance = await api.patch(`/v1/ports/${p.uuid}`, [
        { op: 'replace', path: '/pxe_enabled', value: true }, { op: 'replace', path: '/address', value: mac() },
      ]);
      assert.equal(inMaintenance.status, 200, inMaintenance.text);
      assert.equal((await api.delete(`/v1/ports/${p.uuid}`)).status, 204, 'maintenance allows deleting a bound port');
    });

    it('keeps portgroup members on one node and one physical network', async () => {
      const n = await node({ name: 'ports-pg-node' });
      const other = await node();
      const pg = (await api.post('/v1/portgroups', { node_uuid: n.uuid, name: 'bond0' })).body;
      const strict = (await api.post('/v1/portgroups', { node_uuid: n.uuid, standalone_ports_supported: false })).body;

      const p1 = await port(n.uuid, { portgroup_uuid: pg.uuid, physical_network: 'physnet1' });
      assert.equal(p1.portgroup_uuid, pg.uuid);
      const conflict = await api.post('/v1/ports', { node_uuid: n.uuid, address: mac(), portgroup_uuid: pg.uuid, physical_network: 'physnet2' });
      assert.equal(conflict.status, 409);
      assert.equal(faultOf(conflict.body), `Port with physical network physnet2 cannot become a member of port group ${pg.uuid} which has ports in physical network physnet1.`);
      const p2 = await port(n.uuid, { portgroup_uuid: pg.uuid, physical_network: 'physnet1' });
      const outsider = await port(n.uuid, { physical_network: 'physnet2' });
      assert.equal((await api.patch(`/v1/ports/${p2.uuid}`, [{ op: 'replace', path: '/physical_network', value: 'physnet2' }])).status, 409);
      assert.equal((await api.patch(`/v1/ports/${outsider.uuid}`, [{ op: 'replace', path: '/portgroup_uuid', value: pg.uuid }])).status, 409);
      const joined = await api.patch(`/v1/ports/${outsider.uuid}`, [
        { op: 'replace', path: '/physical_network', value: 'physnet1' }, { op: 'replace', path: '/portgroup_uuid', value: pg.uuid },
      ]);
      assert.equal(joined.status, 200, joined.text);

      const foreign = await api.post('/v1/ports', { node_uuid: other.uuid, address: mac(), portgroup_uuid: pg.uuid });
      assert.equal(foreign.status, 400);
      assert.equal(faultOf(foreign.body), 'Port can not be added to a portgroup belonging to a different node.');
      const noGroup = await api.post('/v1/ports', { node_uuid: n.uuid, address: mac(), portgroup_uuid: randomUUID() });
      assert.equal(noGroup.status, 400);
      const pxe = await api.post('/v1/ports', { node_uuid: n.uuid, address: mac(), portgroup_uuid: strict.uuid, pxe_enabled: true });
      assert.equal(pxe.status, 409);
      assert.match(faultOf(pxe.body) ?? '', /doesn't support standalone ports/);
      await port(n.uuid, { portgroup_uuid: strict.uuid });

      const members = await api.get('/v1/portgroups/bond0/ports');
      assert.deepEqual(members.body.ports.map((x: { uuid: string }) => x.uuid), [p1.uuid, p2.uuid, outsider.uuid]);
      const memberDetail = await api.get(`/v1/portgroups/${pg.uuid}/ports/detail?limit=2`);
      assert.deepEqual(memberDetail.body.ports.map((x: { portgroup_uuid: string }) => x.portgroup_uuid), [pg.uuid, pg.uuid]);
      assert.ok((memberDetail.body.next as string).startsWith(`${svc.url}/v1/portgroups/${pg.uuid}/ports/detail?`));
      assert.equal((await api.get(`/v1/portgroups/${pg.uuid}/ports`, { version: '1.23' })).status, 404);
      assert.equal((await api.get('/v1/portgroups/no-such-group/ports')).status, 404);
      const filtered = await api.get('/v1/ports?portgroup=bond0');
      assert.equal(filtered.body.ports.length, 3);
      assert.equal((await api.get('/v1/ports?portgroup=bond0', { version: '1.23' })).status, 406);
      const detached = await api.patch(`/v1/ports/${p2.uuid}`, [{ op: 'remove', path: '/portgroup_uuid' }]);
      assert.equal(detached.body.portgroup_uuid, null);
    });
  });
}
