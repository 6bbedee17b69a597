import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { testDialects } from '../helpers/databases.js';
import { apiClient, faultOf, startTestService, type TestService } from '../helpers/service.js';

const DETAIL = ['created_at', 'description', 'extra', 'links', 'nodes', 'updated_at', 'uuid'];

for (const dialect of testDialects()) {
  describe(`chassis API on ${dialect}`, () => {
    let svc: TestService;
    let api: ReturnType<typeof apiClient>;

    before(async () => {
      svc = await startTestService(dialect);
      api = apiClient(svc.url);
    });
    after(() => svc.close());

    async function chassis(body: Record<string, unknown> = {}) {
      const r = await api.post('/v1/chassis', body);
      assert.equal(r.status, 201, r.text);
      return r.body;
    }
    async function count(): Promise<number> {
      return (await api.get('/v1/chassis?limit=1000')).body.chassis.length;
    }

    it('creates chassis, with links to themselves and their nodes', async () => {
      const description = 'В Україні ♡ OpenStack!';
      const r = await api.post('/v1/chassis', { description, extra: { row: 7 } }, { version: '1.1' });
      assert.equal(r.status, 201);
      assert.equal(r.headers.get('location'), `${svc.url}/v1/chassis/${r.body.uuid}`);
      assert.deepEqual(Object.keys(r.body).sort(), DETAIL);
      assert.equal(r.body.description, description);
      assert.deepEqual(r.body.extra, { row: 7 });
      assert.equal(r.body.updated_at, null);
      assert.deepEqual(r.body.links, [
        { href: `${svc.url}/v1/chassis/${r.body.uuid}`, rel: 'self' },
        { href: `${svc.url}/chassis/${r.body.uuid}`, rel: 'bookmark' },
      ]);
      assert.deepEqual(r.body.nodes, [
        { href: `${svc.url}/v1/chassis/${r.body.uuid}/nodes`, rel: 'self' },
        { href: `${svc.url}/chassis/${r.body.uuid}/nodes`, rel: 'bookmark' },
      ]);
      const shown = await api.get(`/v1/chassis/${r.body.uuid}`);
      assert.deepEqual(shown.body, r.body);

      const bare = await chassis();
      assert.equal(bare.description, null);
      assert.deepEqual(bare.extra, {});
      const uuid = randomUUID();
      assert.equal((await chassis({ uuid })).uuid, uuid);

      const before = await count();
      const cases: [unknown, number, string | RegExp][] = [
        [{ uuid }, 409, `A chassis with UUID ${uuid} already exists.`],
        [{ uuid: 'not-a-uuid' }, 400, /Expected a UUID/],
        [{ description: 'd'.repeat(256) }, 400, /too long/],
        [{ description: 42 }, 400, /not of type string/],
        [{ extra: [] }, 400, /not of type object/],
        [{ name: 'c1' }, 400, "Schema error for chassis: Additional properties are not allowed ('name' was unexpected)"],
      ];
      for (const [body, status, message] of cases) {
        const res = await api.post('/v1/chassis', body);
        assert.equal(res.status, status, `${JSON.stringify(body)} -> ${res.text}`);
        if (typeof message === 'string') assert.equal(faultOf(res.body), message);
        else assert.match(faultOf(res.body) ?? '', message);
      }
      assert.equal(await count(), before, 'no failed request created a chassis');
    });

    it('shows by UUID only, with fields from 1.8', async () => {
      const c = await chassis({ description: 'show-me' });
      const picked = await api.get(`/v1/chassis/${c.uuid}?fields=description`, { version: '1.8' });
      assert.deepEqual(picked.body, { description: 'show-me', links: c.links });
      assert.equal((await api.get(`/v1/chassis/${c.uuid}?fields=description`, { version: '1.7' })).status, 406);
      assert.equal((await api.get(`/v1/chassis/${c.uuid}?fields=size`)).status, 400);
      const malformed = await api.get('/v1/chassis/show-me');
      assert.equal(malformed.status, 400);
      assert.equal(faultOf(malformed.body), 'Expected a UUID but received show-me.');
      const missing = randomUUID();
      const gone = await api.get(`/v1/chassis/${missing}`);
      assert.equal(gone.status, 404);
      assert.equal(faultOf(gone.body), `Chassis ${missing} could not be found.`);
    });

    it('lists, sorts and pages with next links', async () => {
      const made = [await chassis({ description: 'page-b' }), await chassis({ description: 'page-a' }), await chassis({ description: 'page-c' })];
      const all = await api.get('/v1/chassis');
      for (const c of all.body.chassis) assert.deepEqual(Object.keys(c).sort(), ['description', 'links', 'uuid']);
      const detail = await api.get('/v1/chassis/detail');
      for (const c of detail.body.chassis) assert.deepEqual(Object.keys(c).sort(), DETAIL);
      assert.deepEqual(Object.keys((await api.get('/v1/chassis?detail=True', { version: '1.43' })).body.chassis[0]).sort(), DETAIL);
      assert.equal((await api.get('/v1/chassis?detail=True', { version: '1.42' })).status, 400);
      assert.equal((await api.get('/v1/chassis?detail=True&fields=uuid')).status, 400);
      assert.equal((await api.get('/v1/chassis?description=x')).status, 400);
      assert.equal((await api.get('/v1/chassis?sort_key=extra')).status, 400);
      assert.equal((await api.get(`/v1/chassis?marker=${randomUUID()}`)).status, 404);

      const ours = (await api.get('/v1/chassis?sort_key=description&limit=1000')).body.chassis
        .filter((c: { description: string | null }) => c.description?.startsWith('page-'));
      assert.deepEqual(ours.map((c: { description: string }) => c.description), ['page-a', 'page-b', 'page-c']);

      const first = await api.get(`/v1/chassis?limit=2&marker=${made[0].uuid}&fields=uuid,description`);
      assert.deepEqual(first.body.chassis.map((c: { uuid: string }) => c.uuid), [made[1].uuid, made[2].uuid]);
      const next = new URL(first.body.next as string);
      assert.equal(`${next.origin}${next.pathname}`, `${svc.url}/v1/chassis`);
      assert.equal(next.searchParams.get('fields'), 'uuid,description');
      assert.equal(next.searchParams.get('marker'), made[2].uuid);
      const after = await api.get(next.pathname + next.search);
      assert.deepEqual(after.body.chassis, [], 'nothing after the last chassis');
    });

    it('patches description and extra only; failed patches change nothing', async () => {
      const c = await chassis({ description: 'old', extra: { a: 1, b: 2 } });
      const r = await api.patch(`/v1/chassis/${c.uuid}`, [
        { op: 'replace', path: '/description', value: 'new' }, { op: 'remove', path: '/extra/a' }, { op: 'add', path: '/extra/c', value: [3] },
      ]);
      assert.equal(r.status, 200, r.text);
      assert.equal(r.body.description, 'new');
      assert.deepEqual(r.body.extra, { b: 2, c: [3] });
      assert.notEqual(r.body.updated_at, null);
      for (const ops of [
        [{ op: 'replace', path: '/uuid', value: randomUUID() }],
        [{ op: 'replace', path: '/description', value: 'x'.repeat(256) }],
        [{ op: 'replace', path: '/description', value: 'fine' }, { op: 'remove', path: '/extra/missing' }],
        [{ op: 'add', path: '/nodes', value: [] }],
        [],
      ]) {
        const res = await api.patch(`/v1/chassis/${c.uuid}`, ops);
        assert.equal(res.status, 400, `${JSON.stringify(ops)} -> ${res.text}`);
      }
      assert.deepEqual((await api.get(`/v1/chassis/${c.uuid}`)).body, r.body);
      const cleared = await api.patch(`/v1/chassis/${c.uuid}`, [{ op: 'remove', path: '/description' }, { op: 'remove', path: '/extra' }]);
      assert.equal(cleared.body.description, null);
      assert.deepEqual(cleared.body.extra, {});
      assert.equal((await api.patch(`/v1/chassis/${randomUUID()}`, [{ op: 'remove', path: '/extra' }])).status, 404);
    });

    it('deletes only chassis without nodes', async () => {
      const c = await chassis({ description: 'rack-1' });
      const n = await api.post('/v1/nodes', { driver: 'fake-hardware', chassis_uuid: c.uuid });
      assert.equal(n.status, 201, n.text);
      const nodes = await api.get(`/v1/chassis/${c.uuid}/nodes`);
      assert.deepEqual(nodes.body.nodes.map((x: { uuid: string }) => x.uuid), [n.body.uuid]);

      const refused = await api.delete(`/v1/chassis/${c.uuid}`);
      assert.equal(refused.status, 400);
      assert.equal(faultOf(refused.body), `Cannot complete the requested action because chassis ${c.uuid} contains nodes.`);
      assert.equal((await api.get(`/v1/chassis/${c.uuid}`)).status, 200, 'the chassis is still there');

      const unset = await api.patch(`/v1/nodes/${n.body.uuid}`, [{ op: 'remove', path: '/chassis_uuid' }]);
      assert.equal(unset.status, 200, unset.text);
      assert.equal((await api.delete('/v1/chassis/rack-1')).status, 400, 'chassis have no names');
      const del = await api.delete(`/v1/chassis/${c.uuid}`);
      assert.equal(del.status, 204);
      assert.equal((await api.get(`/v1/chassis/${c.uuid}`)).status, 404);
      assert.equal((await api.delete(`/v1/chassis/${c.uuid}`)).status, 404);
    });
  });
}
