import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { testDialects } from '../helpers/databases.js';
import { apiClient, faultOf, startTestService, waitFor, type TestService } from '../helpers/service.js';

const CONNECTOR = ['connector_id', 'created_at', 'extra', 'links', 'node_uuid', 'type', 'updated_at', 'uuid'];
const TARGET = ['boot_index', 'created_at', 'extra', 'links', 'node_uuid', 'properties', 'updated_at', 'uuid', 'volume_id', 'volume_type'];

for (const dialect of testDialects()) {
  describe(`volume API on ${dialect}`, () => {
    let svc: TestService;
    let api: ReturnType<typeof apiClient>;

    before(async () => {
      svc = await startTestService(dialect);
      api = apiClient(svc.url, '1.32');
    });
    after(() => svc.close());

    async function node(body: Record<string, unknown> = {}): Promise<{ uuid: string }> {
      const r = await api.post('/v1/nodes', { driver: 'fake-hardware', ...body });
      assert.equal(r.status, 201, r.text);
      return r.body;
    }
    async function connector(nodeUuid: string, body: Record<string, unknown> = {}) {
      const r = await api.post('/v1/volume/connectors', { node_uuid: nodeUuid, type: 'iqn', connector_id: `iqn.2026-01.org.example:${randomUUID()}`, ...body });
      assert.equal(r.status, 201, r.text);
      return r.body;
    }
    async function target(nodeUuid: string, body: Record<string, unknown> = {}) {
      const r = await api.post('/v1/volume/targets', { node_uuid: nodeUuid, volume_type: 'iscsi', volume_id: randomUUID(), boot_index: 0, ...body });
      assert.equal(r.status, 201, r.text);
      return r.body;
    }
    async function power(nodeUuid: string, state: 'power on' | 'power off') {
      const r = await api.put(`/v1/nodes/${nodeUuid}/states/power`, { target: state });
      assert.equal(r.status, 202, r.text);
      await waitFor(async () => ((await api.get(`/v1/nodes/${nodeUuid}`)).body.power_state === state ? true : undefined), 10_000, state);
    }

    it('exists from 1.32 and links its collections', async () => {
      const n = await node({ name: 'vol-links' });
      for (const path of ['/v1/volume', '/v1/volume/connectors', '/v1/volume/targets', `/v1/nodes/${n.uuid}/volume`, `/v1/nodes/${n.uuid}/volume/connectors`]) {
        assert.equal((await api.get(path, { version: '1.31' })).status, 404, `${path} at 1.31`);
      }
      assert.equal((await api.post('/v1/volume/connectors', { node_uuid: n.uuid, type: 'iqn', connector_id: 'x' }, { version: '1.31' })).status, 404);
      assert.deepEqual((await api.get('/v1/volume/connectors')).body.connectors, [], 'the refused create made nothing');

      const root = await api.get('/v1/volume');
      assert.deepEqual(root.body, {
        links: [{ href: `${svc.url}/v1/volume/`, rel: 'self' }, { href: `${svc.url}/volume/`, rel: 'bookmark' }],
        connectors: [{ href: `${svc.url}/v1/volume/connectors`, rel: 'self' }, { href: `${svc.url}/volume/connectors`, rel: 'bookmark' }],
        targets: [{ href: `${svc.url}/v1/volume/targets`, rel: 'self' }, { href: `${svc.url}/volume/targets`, rel: 'bookmark' }],
      });
      const ofNode = await api.get('/v1/nodes/vol-links/volume');
      assert.deepEqual(ofNode.body.links, [
        { href: `${svc.url}/v1/nodes/vol-links/volume/`, rel: 'self' }, { href: `${svc.url}/nodes/vol-links/volume/`, rel: 'bookmark' },
      ]);
      assert.equal(ofNode.body.connectors[0].href, `${svc.url}/v1/nodes/vol-links/volume/connectors`);
      assert.equal(ofNode.body.targets[0].href, `${svc.url}/v1/nodes/vol-links/volume/targets`);
      assert.equal((await api.get('/v1/nodes/nowhere/volume')).status, 404);
    });

    it('creates connectors, unique by type and connector ID', async () => {
      const n = await node();
      const r = await api.post('/v1/volume/connectors', { node_uuid: n.uuid, type: 'iqn', connector_id: 'iqn.2026-01.org.example:one', extra: { k: 'v' } });
      assert.equal(r.status, 201, r.text);
      assert.equal(r.headers.get('location'), `${svc.url}/v1/volume/connectors/${r.body.uuid}`);
      assert.deepEqual(Object.keys(r.body).sort(), CONNECTOR);
      assert.equal(r.body.node_uuid, n.uuid);
      assert.deepEqual(r.body.extra, { k: 'v' });
      assert.deepEqual(r.body.links, [
        { href: `${svc.url}/v1/volume/connectors/${r.body.uuid}`, rel: 'self' },
        { href: `${svc.url}/volume/connectors/${r.body.uuid}`, rel: 'bookmark' },
      ]);
      assert.deepEqual((await api.get(`/v1/volume/connectors/${r.body.uuid}`)).body, r.body);
      const sameIdOtherType = await connector(n.uuid, { type: 'ip', connector_id: 'iqn.2026-01.org.example:one' });
      assert.equal(sameIdOtherType.type, 'ip');

      const before = (await api.get('/v1/volume/connectors')).body.connectors.length;
      const missing = randomUUID();
      const cases: [unknown, number, string | RegExp][] = [
        [{ node_uuid: n.uuid, type: 'iqn', connector_id: 'iqn.2026-01.org.example:one' }, 409, 'A volume connector with type iqn and connector ID iqn.2026-01.org.example:one already exists.'],
        [{ node_uuid: n.uuid, type: 'iqn', connector_id: 'other', uuid: r.body.uuid }, 409, `A volume connector with UUID ${r.body.uuid} already exists.`],
        [{ node_uuid: n.uuid, type: 'iqn' }, 400, /'connector_id' is a required property/],
        [{ node_uuid: n.uuid, connector_id: 'x' }, 400, /'type' is a required property/],
        [{ type: 'iqn', connector_id: 'x' }, 400, /'node_uuid' is a required property/],
        [{ node_uuid: missing, type: 'iqn', connector_id: 'x' }, 400, `Node ${missing} could not be found.`],
        [{ node_uuid: n.uuid, type: 'iqn', connector_id: 'x', wwpn: 'y' }, 400, /Additional properties are not allowed \('wwpn' was unexpected\)/],
      ];
      for (const [body, status, message] of cases) {
        const res = await api.post('/v1/volume/connectors', body);
        assert.equal(res.status, status, `${JSON.stringify(body)} -> ${res.text}`);
        if (typeof message === 'string') assert.equal(faultOf(res.body), message);
        else assert.match(faultOf(res.body) ?? '', message);
      }
      assert.equal((await api.get('/v1/volume/connectors')).body.connectors.length, before, 'no failed request created a connector');
    });

    it('lists connectors and targets with node filters, detail and next links', async () => {
      const a = await node({ name: 'vol-list-a' });
      const b = await node();
      const onA = [await connector(a.uuid), await connector(a.uuid), await connector(a.uuid)];
      const onB = await connector(b.uuid);
      const t = await target(a.uuid, { boot_index: 0 });

      const list = await api.get('/v1/volume/connectors?node=vol-list-a');
      assert.deepEqual(list.body.connectors.map((c: { uuid: string }) => c.uuid), onA.map((c) => c.uuid));
      assert.deepEqual(Object.keys(list.body.connectors[0]).sort(), ['connector_id', 'links', 'node_uuid', 'type', 'uuid']);
      const detail = await api.get(`/v1/volume/connectors?node=${b.uuid}&detail=True`);
      assert.deepEqual(detail.body.connectors.map((c: { uuid: string }) => c.uuid), [onB.uuid]);
      assert.deepEqual(Object.keys(detail.body.connectors[0]).sort(), CONNECTOR, 'volume lists take ?detail= at 1.32');
      assert.equal((await api.get('/v1/volume/connectors?detail=True&fields=uuid')).status, 400);
      const picked = await api.get(`/v1/volume/connectors?node=${b.uuid}&fields=extra`);
      assert.deepEqual(Object.keys(picked.body.connectors[0]).sort(), ['extra', 'links']);
      assert.equal((await api.get('/v1/volume/connectors?node=nowhere')).status, 404);
      assert.equal((await api.get('/v1/volume/connectors?type=iqn')).status, 400);
      assert.equal((await api.get('/v1/volume/connectors?sort_key=extra')).status, 400);
      assert.equal((await api.get(`/v1/volume/connectors?marker=${randomUUID()}`)).status, 404);

      const page = await api.get('/v1/nodes/vol-list-a/volume/connectors?limit=2');
      assert.deepEqual(page.body.connectors.map((c: { uuid: string }) => c.uuid), onA.slice(0, 2).map((c) => c.uuid));
      const next = new URL(page.body.next as string);
      assert.equal(`${next.origin}${next.pathname}`, `${svc.url}/v1/nodes/${a.uuid}/volume/connectors`);
      assert.equal(next.searchParams.get('marker'), onA[1].uuid);
      const rest = await api.get(next.pathname + next.search);
      assert.deepEqual(rest.body.connectors.map((c: { uuid: string }) => c.uuid), [onA[2].uuid]);
      assert.equal(rest.body.next, undefined);

      const targets = await api.get('/v1/nodes/vol-list-a/volume/targets');
      assert.deepEqual(targets.body.targets.map((x: { uuid: string }) => x.uuid), [t.uuid]);
      assert.deepEqual(Object.keys(targets.body.targets[0]).sort(), ['boot_index', 'links', 'node_uuid', 'uuid', 'volume_id', 'volume_type']);
      assert.deepEqual(Object.keys((await api.get('/v1/volume/targets?detail=true')).body.targets[0]).sort(), TARGET);
      assert.deepEqual((await api.get(`/v1/volume/targets?node=${b.uuid}`)).body.targets, []);
    });

    it('changes connectors only while the node is powered off', async () => {
      const n = await node();
      const c = await connector(n.uuid, { extra: { key1: 'value1', key2: 'value2' } });
      const malformed = await api.get('/v1/volume/connectors/not-a-uuid');
      assert.equal(malformed.status, 400);
      const missing = randomUUID();
      const gone = await api.get(`/v1/volume/connectors/${missing}`);
      assert.equal(gone.status, 404);
      assert.equal(faultOf(gone.body), `Volume connector ${missing} could not be found.`);

      const unknownPower = await api.patch(`/v1/volume/connectors/${c.uuid}`, [{ op: 'replace', path: '/connector_id', value: 'new-id' }]);
      assert.equal(unknownPower.status, 400);
      assert.equal(faultOf(unknownPower.body), `The requested action "volume connector update" can not be performed on node "${n.uuid}" while it is in state "None".`);
      await power(n.uuid, 'power on');
      const on = await api.delete(`/v1/volume/connectors/${c.uuid}`);
      assert.equal(on.status, 400);
      assert.equal(faultOf(on.body), `The requested action "volume connector deletion" can not be performed on node "${n.uuid}" while it is in state "power on".`);
      assert.deepEqual((await api.get(`/v1/volume/connectors/${c.uuid}`)).body, c, 'refused changes changed nothing');

      await power(n.uuid, 'power off');
      const patched = await api.patch(`/v1/volume/connectors/${c.uuid}`, [
        { op: 'replace', path: '/connector_id', value: 'new-id' }, { op: 'remove', path: '/extra/key2' }, { op: 'add', path: '/extra/key3', value: 'value3' },
      ]);
      assert.equal(patched.status, 200, patched.text);
      assert.equal(patched.body.connector_id, 'new-id');
      assert.deepEqual(patched.body.extra, { key1: 'value1', key3: 'value3' });
      assert.notEqual(patched.body.updated_at, null);
      for (const ops of [
        [{ op: 'remove', path: '/connector_id' }],
        [{ op: 'replace', path: '/uuid', value: randomUUID() }],
        [{ op: 'replace', path: '/node_uuid', value: 'not-a-uuid' }],
        [{ op: 'replace', path: '/node_uuid', value: randomUUID() }],
      ]) {
        const res = await api.patch(`/v1/volume/connectors/${c.uuid}`, ops);
        assert.equal(res.status, 400, `${JSON.stringify(ops)} -> ${res.text}`);
      }
      const other = await connector(n.uuid, { type: 'wwpn', connector_id: 'wwpn-1' });
      assert.equal((await api.patch(`/v1/volume/connectors/${other.uuid}`, [{ op: 'replace', path: '/connector_id', value: 'new-id' }, { op: 'replace', path: '/type', value: 'iqn' }])).status, 409);
      const cleared = await api.patch(`/v1/volume/connectors/${c.uuid}`, [{ op: 'remove', path: '/extra' }]);
      assert.deepEqual(cleared.body.extra, {});
      assert.equal((await api.delete(`/v1/volume/connectors/${c.uuid}`)).status, 204);
      assert.equal((await api.get(`/v1/volume/connectors/${c.uuid}`)).status, 404);
    });

    it('keeps one target per boot index and node, changed only while powered off', async () => {
      const n = await node();
      const other = await node();
      const t = await target(n.uuid, { boot_index: 10, properties: { target_lun: 0 }, extra: { key1: 'value1', key2: 'value2' } });
      assert.deepEqual(Object.keys(t).sort(), TARGET);
      assert.equal(t.boot_index, 10);
      assert.deepEqual(t.properties, { target_lun: 0 });
      await target(other.uuid, { boot_index: 10 });
      const dup = await api.post('/v1/volume/targets', { node_uuid: n.uuid, volume_type: 'iscsi', volume_id: 'v2', boot_index: 10 });
      assert.equal(dup.status, 409);
      assert.equal(faultOf(dup.body), "A volume target with boot index '10' for the same node already exists.");
      for (const body of [
        { node_uuid: n.uuid, volume_type: 'iscsi', volume_id: 'v3', boot_index: 'first' },
        { node_uuid: n.uuid, volume_type: 'iscsi', volume_id: 'v3' },
        { node_uuid: n.uuid, volume_id: 'v3', boot_index: 3 },
      ]) {
        assert.equal((await api.post('/v1/volume/targets', body)).status, 400, JSON.stringify(body));
      }
      assert.equal((await api.get(`/v1/nodes/${n.uuid}/volume/targets`)).body.targets.length, 1);

      const refused = await api.patch(`/v1/volume/targets/${t.uuid}`, [{ op: 'replace', path: '/volume_id', value: 'vol-2' }]);
      assert.equal(refused.status, 400);
      assert.match(faultOf(refused.body) ?? '', /"volume target update" can not be performed/);
      await power(n.uuid, 'power off');
      const patched = await api.patch(`/v1/volume/targets/${t.uuid}`, [
        { op: 'replace', path: '/volume_id', value: 'vol-2' }, { op: 'remove', path: '/extra/key2' }, { op: 'remove', path: '/properties' },
      ]);
      assert.equal(patched.status, 200, patched.text);
      assert.equal(patched.body.volume_id, 'vol-2');
      assert.deepEqual(patched.body.extra, { key1: 'value1' });
      assert.deepEqual(patched.body.properties, {});
      const second = await target(n.uuid, { boot_index: 1 });
      assert.equal((await api.patch(`/v1/volume/targets/${second.uuid}`, [{ op: 'replace', path: '/boot_index', value: 10 }])).status, 409);
      assert.equal((await api.get(`/v1/volume/targets/${second.uuid}`)).body.boot_index, 1);

      await power(n.uuid, 'power on');
      const onDelete = await api.delete(`/v1/volume/targets/${t.uuid}`);
      assert.equal(onDelete.status, 400);
      assert.match(faultOf(onDelete.body) ?? '', /"volume target deletion" can not be performed on node/);
      await power(n.uuid, 'power off');
      assert.equal((await api.delete(`/v1/volume/targets/${t.uuid}`)).status, 204);
      const gone = await api.get(`/v1/volume/targets/${t.uuid}`);
      assert.equal(gone.status, 404);
      assert.equal(faultOf(gone.body), `Volume target ${t.uuid} could not be found.`);
    });
  });
}
