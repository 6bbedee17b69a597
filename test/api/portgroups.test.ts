import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { testDialects } from '../helpers/databases.js';
import { apiClient, faultOf, startTestService, waitFor, type TestService } from '../helpers/service.js';

const FIELDS_182 = [
  'address', 'created_at', 'extra', 'internal_info', 'links', 'mode', 'name', 'node_uuid', 'ports', 'properties',
  'standalone_ports_supported', 'updated_at', 'uuid',
];

let macSeq = 0;
function mac(): string {
  macSeq += 1;
  return `52:54:00:cd:${(macSeq >> 8).toString(16).padStart(2, '0')}:${(macSeq & 0xff).toString(16).padStart(2, '0')}`;
}

for (const dialect of testDialects()) {
  describe(`portgroups API on ${dialect}`, () => {
    let svc: TestService;
    let api: ReturnType<typeof apiClient>;

    before(async () => {
      svc = await startTestService(dialect);
      api = apiClient(svc.url);
    });
    after(() => svc.close());

    async function node(body: Record<string, unknown> = {}): Promise<{ uuid: string }> {
      const r = await api.post('/v1/nodes', { driver: 'fake-hardware', ...body });
      assert.equal(r.status, 201, r.text);
      return r.body;
    }
    async function portgroup(nodeUuid: string, body: Record<string, unknown> = {}, version = 'latest') {
      const r = await api.post('/v1/portgroups', { node_uuid: nodeUuid, ...body }, { version });
      assert.equal(r.status, 201, r.text);
      return r.body;
    }
    async function count(): Promise<number> {
      return (await api.get('/v1/portgroups?limit=1000')).body.portgroups.length;
    }

    it('exists from 1.23, node sub-collections from 1.24', async () => {
      const n = await node();
      const pg = await portgroup(n.uuid);
      for (const [method, path, body] of [
        ['GET', '/v1/portgroups'], ['GET', '/v1/portgroups/detail'], ['GET', `/v1/portgroups/${pg.uuid}`],
        ['POST', '/v1/portgroups', { node_uuid: n.uuid }], ['PATCH', `/v1/portgroups/${pg.uuid}`, [{ op: 'add', path: '/extra/a', value: 1 }]],
        ['DELETE', `/v1/portgroups/${pg.uuid}`],
      ] as [string, string, unknown?][]) {
        const r = await api.call(method, path, body, { version: '1.22' });
        assert.equal(r.status, 404, `${method} ${path} at 1.22`);
      }
      assert.equal((await api.get(`/v1/nodes/${n.uuid}/portgroups`, { version: '1.23' })).status, 404);
      assert.equal((await api.get(`/v1/nodes/${n.uuid}/portgroups`, { version: '1.24' })).status, 200);
      assert.equal((await api.get(`/v1/portgroups/${pg.uuid}`)).status, 200, 'the refused DELETE at 1.22 removed nothing');
    });

    it('creates portgroups with the defaults of the version', async () => {
      const n = await node();
      const address = mac();
      const r = await api.post('/v1/portgroups', { node_uuid: n.uuid, address: address.toUpperCase(), name: 'pg-create', extra: { foo: 'bar' } });
      assert.equal(r.status, 201, r.text);
      assert.equal(r.headers.get('location'), `${svc.url}/v1/portgroups/${r.body.uuid}`);
      assert.deepEqual(Object.keys(r.body).sort(), FIELDS_182);
      assert.equal(r.body.address, address);
      assert.equal(r.body.name, 'pg-create');
      assert.equal(r.body.mode, 'active-backup', "Ironic's default_portgroup_mode");
      assert.deepEqual(r.body.properties, {});
      assert.equal(r.body.standalone_ports_supported, true);
      assert.deepEqual(r.body.extra, { foo: 'bar' });
      assert.deepEqual(r.body.ports, [
        { href: `${svc.url}/v1/portgroups/${r.body.uuid}/ports`, rel: 'self' },
        { href: `${svc.url}/portgroups/${r.body.uuid}/ports`, rel: 'bookmark' },
      ]);

      const old = await portgroup(n.uuid, {}, '1.23');
      assert.deepEqual(Object.keys(old).sort(), FIELDS_182, 'as in Ironic, mode and properties (1.26) show at every version');
      assert.equal(old.address, null);
      assert.equal(old.name, null);
      assert.equal(old.mode, 'active-backup', 'the default mode applies whatever the version');
      assert.deepEqual(old.properties, {});
      const lacp = await portgroup(n.uuid, { mode: '802.3ad', properties: { miimon: '100' } });
      assert.equal(lacp.mode, '802.3ad');
      assert.deepEqual(lacp.properties, { miimon: '100' });
      const uuid = randomUUID();
      assert.equal((await portgroup(n.uuid, { uuid })).uuid, uuid);

      const before = await count();
      const missingNode = randomUUID();
      const cases: [unknown, number, string | RegExp, string?][] = [
        [{ node_uuid: n.uuid, name: 'pg-create' }, 409, 'A portgroup with name pg-create already exists.'],
        [{ node_uuid: n.uuid, address }, 409, `A portgroup with MAC address ${address} already exists.`],
        [{ node_uuid: n.uuid, uuid }, 409, `A portgroup with UUID ${uuid} already exists.`],
        [{ node_uuid: n.uuid, name: 'bad name!' }, 400, "Cannot create portgroup with invalid name 'bad name!'"],
        [{ node_uuid: n.uuid, address: 'nope' }, 400, /Expected a MAC address/],
        [{ node_uuid: n.uuid, colour: 'red' }, 400, "Schema error for portgroup: Additional properties are not allowed ('colour' was unexpected)"],
        [{ name: 'no-node' }, 400, /'node_uuid' is a required property/],
        [{ node_uuid: missingNode }, 400, `Node ${missingNode} could not be found.`],
        [{ node_uuid: n.uuid, mode: '802.3ad' }, 406, /1\.26/, '1.25'],
        [{ node_uuid: n.uuid, standalone_ports_supported: 'perhaps' }, 400, /boolean/],
      ];
      for (const [body, status, message, version] of cases) {
        const res = await api.post('/v1/portgroups', body, { version: version ?? 'latest' });
        assert.equal(res.status, status, `${JSON.stringify(body)} -> ${res.text}`);
        if (typeof message === 'string') assert.equal(faultOf(res.body), message);
        else assert.match(faultOf(res.body) ?? '', message);
      }
      assert.equal(await count(), before, 'no failed request created a portgroup');
    });

    it('shows by UUID or name and lists with filters and next links', async () => {
      const a = await node({ name: 'pg-list-a' });
      const b = await node();
      const onA = [
        await portgroup(a.uuid, { name: 'pg-list-1', address: mac() }),
        await portgroup(a.uuid, { name: 'pg-list-2' }),
        await portgroup(a.uuid, { name: 'pg-list-3' }),
      ];
      const onB = await portgroup(b.uuid, { address: mac() });

      const byName = await api.get('/v1/portgroups/pg-list-1');
      assert.equal(byName.body.uuid, onA[0].uuid);
      assert.deepEqual(Object.keys(byName.body).sort(), FIELDS_182);
      const at23 = await api.get('/v1/portgroups/pg-list-1', { version: '1.23' });
      assert.deepEqual(Object.keys(at23.body).sort(), FIELDS_182);
      assert.equal((await api.get('/v1/portgroups/pg-list-1?fields=mode', { version: '1.25' })).status, 406, 'naming mode needs 1.26');
      assert.equal((await api.get('/v1/portgroups?fields=properties', { version: '1.25' })).status, 406);
      assert.equal((await api.get('/v1/portgroups?sort_key=mode', { version: '1.25' })).status, 406);
      assert.equal((await api.get('/v1/portgroups?sort_key=mode', { version: '1.26' })).status, 200);
      const picked = await api.get('/v1/portgroups/pg-list-1?fields=name,ports');
      assert.deepEqual(Object.keys(picked.body).sort(), ['links', 'name', 'ports']);
      const missing = await api.get('/v1/portgroups/pg-none');
      assert.equal(missing.status, 404);
      assert.equal(faultOf(missing.body), 'Portgroup pg-none could not be found.');

      const list = await api.get('/v1/portgroups');
      for (const pg of list.body.portgroups) assert.deepEqual(Object.keys(pg).sort(), ['address', 'links', 'name', 'uuid']);
      const byNode = await api.get('/v1/portgroups?node=pg-list-a');
      assert.deepEqual(byNode.body.portgroups.map((p: { uuid: string }) => p.uuid), onA.map((p) => p.uuid));
      const byAddress = await api.get(`/v1/portgroups/detail?address=${(onB.address as string).toUpperCase()}`);
      assert.deepEqual(byAddress.body.portgroups.map((p: { uuid: string }) => p.uuid), [onB.uuid]);
      assert.deepEqual(Object.keys(byAddress.body.portgroups[0]).sort(), FIELDS_182);
      assert.equal((await api.get('/v1/portgroups?node=nowhere')).status, 404);
      assert.equal((await api.get('/v1/portgroups?shard=x')).status, 400);
      assert.equal((await api.get('/v1/portgroups?sort_key=properties')).status, 400);

      const page = await api.get(`/v1/portgroups?node=${a.uuid}&limit=2&sort_key=name&sort_dir=desc`);
      assert.deepEqual(page.body.portgroups.map((p: { name: string }) => p.name), ['pg-list-3', 'pg-list-2']);
      const next = new URL(page.body.next as string);
      assert.equal(next.searchParams.get('marker'), onA[1].uuid);
      assert.equal(next.searchParams.get('sort_key'), 'name');
      const rest = await api.get(next.pathname + next.search);
      assert.deepEqual(rest.body.portgroups.map((p: { name: string }) => p.name), ['pg-list-1']);
      assert.equal(rest.body.next, undefined);

      const sub = await api.get('/v1/nodes/pg-list-a/portgroups/detail?limit=3');
      assert.equal(sub.body.portgroups.length, 3);
      assert.ok((sub.body.next as string).startsWith(`${svc.url}/v1/nodes/${a.uuid}/portgroups/detail?`));
      assert.equal((await api.get('/v1/nodes/nowhere/portgroups')).status, 404);
    });

    it('patches as Ironic does and refuses bad patches without changes', async () => {
      const n = await node();
      const pg = await portgroup(n.uuid, { name: 'pg-patch', address: mac(), extra: { foo: 'bar', open: 'stack' } });
      const newAddress = mac();
      // At 1.23, as tempest does it: properties are patchable although they only show from 1.26.
      const r = await api.patch(`/v1/portgroups/${pg.uuid}`, [
        { op: 'replace', path: '/address', value: newAddress },
        { op: 'remove', path: '/extra/foo' },
        { op: 'add', path: '/extra/key3', value: { cat: 'meow' } },
        { op: 'add', path: '/properties/key1', value: 'value1' },
      ], { version: '1.23' });
      assert.equal(r.status, 200, r.text);
      assert.equal(r.body.address, newAddress);
      assert.deepEqual(r.body.extra, { open: 'stack', key3: { cat: 'meow' } });
      const now = await api.get('/v1/portgroups/pg-patch');
      assert.deepEqual(now.body.properties, { key1: 'value1' });
      assert.notEqual(now.body.updated_at, null);

      const renamed = await api.patch('/v1/portgroups/pg-patch', [{ op: 'replace', path: '/name', value: 'pg-renamed' }, { op: 'replace', path: '/mode', value: 'balance-rr' }]);
      assert.equal(renamed.status, 200, renamed.text);
      assert.equal(renamed.body.mode, 'balance-rr');
      const failing: [unknown[], number, string | RegExp][] = [
        [[{ op: 'replace', path: '/name', value: 'bad name' }], 400, "Portgroup pg-renamed: Cannot change name to invalid name 'bad name'"],
        [[{ op: 'remove', path: '/mode' }], 400, "'mode' is a mandatory attribute and can not be removed"],
        [[{ op: 'remove', path: '/node_uuid' }], 400, /node_uuid/],
        [[{ op: 'replace', path: '/internal_info', value: {} }], 400, /Cannot patch \/internal_info/],
        [[{ op: 'replace', path: '/node_uuid', value: randomUUID() }], 400, /could not be found/],
        [[{ op: 'add', path: '/extra/x', value: 1 }, { op: 'replace', path: '/address', value: 'zz' }], 400, /Expected a MAC address/],
      ];
      for (const [ops, status, message] of failing) {
        const res = await api.patch('/v1/portgroups/pg-renamed', ops);
        assert.equal(res.status, status, `${JSON.stringify(ops)} -> ${res.text}`);
        if (typeof message === 'string') assert.equal(faultOf(res.body), message);
        else assert.match(faultOf(res.body) ?? '', message);
      }
      const other = await portgroup(n.uuid, { name: 'pg-other', address: mac() });
      const dupName = await api.patch(`/v1/portgroups/${other.uuid}`, [{ op: 'replace', path: '/name', value: 'pg-renamed' }]);
      assert.equal(dupName.status, 409);
      const dupAddress = await api.patch(`/v1/portgroups/${other.uuid}`, [{ op: 'replace', path: '/address', value: newAddress }]);
      assert.equal(dupAddress.status, 409);
      assert.deepEqual((await api.get('/v1/portgroups/pg-renamed')).body, renamed.body, 'failed patches changed nothing');
      const noMode = await api.patch('/v1/portgroups/pg-renamed', [{ op: 'replace', path: '/mode', value: null }, { op: 'remove', path: '/extra' }]);
      assert.equal(noMode.body.mode, null, 'mode may be set to null, not removed');
      assert.deepEqual(noMode.body.extra, {});
    });

    it('moves between nodes only when empty and rewirable, and deletes only when empty', async () => {
      const n = await node();
      const target = await node();
      const pg = await portgroup(n.uuid, { name: 'pg-move' });
      const port = await api.post('/v1/ports', { node_uuid: n.uuid, address: mac(), portgroup_uuid: pg.uuid });
      assert.equal(port.status, 201, port.text);

      const busy = await api.patch('/v1/portgroups/pg-move', [{ op: 'replace', path: '/node_uuid', value: target.uuid }]);
      assert.equal(busy.status, 400);
      assert.equal(faultOf(busy.body), `Portgroup ${pg.uuid} can not be associated with node ${target.uuid} because there are ports associated with this portgroup.`);
      const full = await api.delete('/v1/portgroups/pg-move');
      assert.equal(full.status, 400);
      assert.equal(faultOf(full.body), `Cannot complete the requested action because portgroup ${pg.uuid} contains ports.`);
      assert.equal((await api.get(`/v1/portgroups/${pg.uuid}`)).body.node_uuid, n.uuid);

      assert.equal((await api.delete(`/v1/ports/${port.body.uuid}`)).status, 204);
      for (const [verb, state] of [['manage', 'manageable'], ['provide', 'available']]) {
        assert.equal((await api.put(`/v1/nodes/${target.uuid}/states/provision`, { target: verb })).status, 202);
        await waitFor(async () => ((await api.get(`/v1/nodes/${target.uuid}`)).body.provision_state === state ? true : undefined), 10_000, state);
      }
      const available = await api.patch('/v1/portgroups/pg-move', [{ op: 'replace', path: '/node_uuid', value: target.uuid }]);
      assert.equal(available.status, 409);
      assert.match(faultOf(available.body) ?? '', new RegExp(`^Portgroup ${pg.uuid} can not be associated to node ${target.uuid} unless the node is in a enroll, inspecting, inspect wait, manageable state or in maintenance mode.$`));
      assert.equal((await api.put(`/v1/nodes/${target.uuid}/maintenance`, { reason: 'recabling' })).status, 202);
      const moved = await api.patch('/v1/portgroups/pg-move', [{ op: 'replace', path: '/node_uuid', value: target.uuid }]);
      assert.equal(moved.status, 200, moved.text);
      assert.equal(moved.body.node_uuid, target.uuid);
      assert.deepEqual((await api.get(`/v1/nodes/${target.uuid}/portgroups`)).body.portgroups.map((p: { uuid: string }) => p.uuid), [pg.uuid]);

      const del = await api.delete('/v1/portgroups/pg-move');
      assert.equal(del.status, 204);
      assert.equal((await api.get(`/v1/portgroups/${pg.uuid}`)).status, 404);
      assert.equal((await api.delete(`/v1/portgroups/${pg.uuid}`)).status, 404);
    });
  });
}
