import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { testDialects } from '../helpers/databases.js';
import { apiClient, faultOf, startTestService, type TestService } from '../helpers/service.js';

const iso = (ms: number) => new Date(ms).toISOString().replace('Z', '+00:00');

for (const dialect of testDialects()) {
  describe(`conductors API on ${dialect}`, () => {
    let svc: TestService;
    let api: ReturnType<typeof apiClient>;

    before(async () => {
      svc = await startTestService(dialect, { conductor: { heartbeat_timeout: '30' } });
      api = apiClient(svc.url);
    });
    after(() => svc.close());

    it('does not exist before 1.49', async () => {
      for (const path of ['/v1/conductors', '/v1/conductors/test-conductor']) {
        const r = await api.get(path, { version: '1.48' });
        assert.equal(r.status, 404, path);
        assert.equal((await api.get(path, { version: '1.49' })).status, 200, path);
      }
    });

    it('lists conductors with hostname, group, liveness and links; detail adds drivers and timestamps', async () => {
      const list = await api.get('/v1/conductors');
      assert.equal(list.status, 200);
      assert.deepEqual(list.body, {
        conductors: [{
          hostname: 'test-conductor',
          conductor_group: '',
          alive: true,
          links: [
            { href: `${svc.url}/v1/conductors/test-conductor`, rel: 'self' },
            { href: `${svc.url}/conductors/test-conductor`, rel: 'bookmark' },
          ],
        }],
      });
      const detail = await api.get('/v1/conductors?detail=true');
      const c = detail.body.conductors[0];
      assert.deepEqual(Object.keys(c).sort(), ['alive', 'conductor_group', 'created_at', 'drivers', 'hostname', 'links', 'updated_at']);
      assert.deepEqual(c.drivers, ['fake-hardware', 'ipmi', 'redfish']);
      assert.match(c.created_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+\+00:00$/);
      const one = await api.get('/v1/conductors/test-conductor');
      assert.equal(one.status, 200);
      assert.deepEqual(one.body, c, 'a single conductor shows every field');
      const fields = await api.get('/v1/conductors/test-conductor?fields=hostname,alive');
      assert.deepEqual(Object.keys(fields.body).sort(), ['alive', 'hostname', 'links']);
      const missing = await api.get('/v1/conductors/nope.example.org');
      assert.equal(missing.status, 404);
      assert.equal(faultOf(missing.body), 'Conductor nope.example.org could not be found.');
    });

    it('reports peers that stopped heartbeating or went offline as not alive', async () => {
      const store = svc.service.store;
      await store.conductors.insert({
        hostname: 'peer-a', conductor_group: 'rack1', online: true, drivers: ['fake-hardware'],
        created_at: iso(Date.now() - 120_000), updated_at: iso(Date.now() - 60_000),
      });
      await store.conductors.insert({
        hostname: 'peer-b', conductor_group: '', online: false, drivers: [],
        created_at: iso(Date.now()), updated_at: iso(Date.now()),
      });
      await store.conductors.insert({
        hostname: 'peer-c', conductor_group: 'rack1', online: true, drivers: ['fake-hardware'],
        created_at: iso(Date.now()), updated_at: null,
      });
      const list = await api.get('/v1/conductors?fields=hostname,conductor_group,alive');
      assert.deepEqual(list.body.conductors.map((c: Record<string, unknown>) => [c.hostname, c.conductor_group, c.alive]), [
        ['test-conductor', '', true],
        ['peer-a', 'rack1', false],
        ['peer-b', '', false],
        ['peer-c', 'rack1', true],
      ]);
    });

    it('pages by hostname and sorts', async () => {
      const page1 = await api.get('/v1/conductors?limit=2&sort_key=hostname&sort_dir=desc&fields=alive');
      assert.equal(page1.status, 200);
      assert.equal(page1.body.conductors.length, 2);
      assert.deepEqual(Object.keys(page1.body.conductors[0]).sort(), ['alive', 'links']);
      const next = new URL(page1.body.next as string);
      assert.equal(next.pathname, '/v1/conductors');
      assert.equal(next.searchParams.get('marker'), 'peer-c', 'the marker is a hostname even when not shown');
      assert.equal(next.searchParams.get('sort_dir'), 'desc');
      const page2 = await api.get(`${next.pathname}${next.search.replace('fields=alive', 'fields=hostname')}`);
      assert.deepEqual(page2.body.conductors.map((c: { hostname: string }) => c.hostname), ['peer-b', 'peer-a']);
      const page3 = await api.get(new URL(page2.body.next as string).pathname + new URL(page2.body.next as string).search);
      assert.deepEqual(page3.body.conductors.map((c: { hostname: string }) => c.hostname), []);
      assert.equal(page3.body.next, undefined);
      const byId = await api.get('/v1/conductors?limit=10');
      assert.deepEqual(byId.body.conductors.map((c: { hostname: string }) => c.hostname),
        ['test-conductor', 'peer-a', 'peer-b', 'peer-c'], 'registration order by default');
      assert.equal(byId.body.next, undefined);
    });

    it('refuses bad list parameters', async () => {
      const cases: [string, number, RegExp?][] = [
        ['/v1/conductors?sort_key=alive', 400, /invalid field for sorting/],
        ['/v1/conductors?sort_key=drivers', 400],
        ['/v1/conductors?sort_key=bogus', 400],
        ['/v1/conductors?sort_dir=up', 400, /Invalid sort direction/],
        ['/v1/conductors?limit=0', 400, /Limit must be positive/],
        ['/v1/conductors?fields=bogus', 400],
        ['/v1/conductors?detail=true&fields=hostname', 400, /Can not specify \?detail=True and fields/],
        ['/v1/conductors?marker=nope', 404, /Conductor nope could not be found/],
        ['/v1/conductors?driver=fake-hardware', 400, /Unknown argument/],
      ];
      for (const [path, status, text] of cases) {
        const r = await api.get(path);
        assert.equal(r.status, status, path);
        if (text) assert.match(faultOf(r.body) ?? '', text, path);
      }
    });
  });
}
