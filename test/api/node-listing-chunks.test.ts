import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { testDialects } from '../helpers/databases.js';
import { apiClient, startTestService, type ApiResponse, type TestService } from '../helpers/service.js';

/**
 * Node pages larger than the chunk the service reads at a time (100 rows) are written piece by piece. Whatever
 * the sort key and direction, such a page must hold exactly what walking the same listing in small pages (read in
 * one go) yields: same nodes, same order, same documents, and a `next` link where the page is full.
 */

const NODES = 260;
const SORTS: [string, string][] = [
  ['id', 'asc'], ['id', 'desc'], ['name', 'asc'], ['name', 'desc'], ['resource_class', 'asc'], ['resource_class', 'desc'],
  ['maintenance', 'asc'], ['maintenance', 'desc'], ['created_at', 'desc'], ['uuid', 'asc'],
];

for (const dialect of testDialects()) {
  describe(`node listings in chunks on ${dialect}`, () => {
    let svc: TestService;
    let api: ReturnType<typeof apiClient>;

    before(async () => {
      svc = await startTestService(dialect);
      api = apiClient(svc.url);
      for (let i = 0; i < NODES; i++) {
        // ties and nulls in the sort keys, so that paging must break ties on id
        const body: Record<string, unknown> = {
          driver: 'fake-hardware',
          resource_class: i % 7 === 0 ? null : `class-${i % 3}`,
          maintenance: i % 5 === 0,
        };
        if (i % 4 !== 0) body.name = `chunk-${String(i % 50).padStart(2, '0')}-${i}`;
        const r = await api.post('/v1/nodes', body);
        assert.equal(r.status, 201, r.text);
      }
    });
    after(() => svc.close());

    /** Follows `next` links from `path` and returns every node document seen. */
    async function walk(path: string): Promise<Record<string, unknown>[]> {
      const seen: Record<string, unknown>[] = [];
      let url: string | undefined = path;
      while (url) {
        const r: ApiResponse = await api.get(url);
        assert.equal(r.status, 200, r.text);
        seen.push(...(r.body.nodes as Record<string, unknown>[]));
        url = r.body.next ? (r.body.next as string).slice(svc.url.length) : undefined;
      }
      return seen;
    }

    for (const [key, dir] of SORTS) {
      for (const detail of [false, true]) {
        const base = `/v1/nodes${detail ? '/detail' : ''}?sort_key=${key}&sort_dir=${dir}`;
        it(`${detail ? 'detail' : 'list'} sorted by ${key} ${dir}: one large page equals small pages walked`, async () => {
          const small = await walk(`${base}&limit=40`);
          assert.equal(small.length, NODES);
          const whole = await api.get(base);
          assert.equal(whole.status, 200, whole.text);
          assert.equal(whole.headers.get('content-type'), 'application/json; charset=utf-8');
          assert.deepEqual(whole.body.nodes, small);
          assert.equal(whole.body.next, undefined, 'a page that is not full has no next link');

          const mid = await api.get(`${base}&limit=150`);
          assert.deepEqual(mid.body.nodes, small.slice(0, 150));
          const next = new URL(mid.body.next as string);
          assert.equal(next.searchParams.get('marker'), small[149].uuid);
          assert.deepEqual(await walk(`${base}&limit=150`), small, 'walking large pages');
        });
      }
    }

    it('starts a large page after a marker, and writes a page of exactly the chunk size with a next link', async () => {
      const all = await walk('/v1/nodes?limit=50');
      const after = await api.get(`/v1/nodes?limit=200&marker=${all[30].uuid as string}`);
      assert.deepEqual(after.body.nodes, all.slice(31, 231));
      assert.ok(after.body.next);
      const hundred = await api.get('/v1/nodes?limit=100');
      assert.deepEqual(hundred.body.nodes, all.slice(0, 100));
      assert.ok(hundred.body.next);
      const fields = await api.get('/v1/nodes?limit=500&fields=uuid,name');
      assert.deepEqual(fields.body.nodes.map((n: Record<string, unknown>) => Object.keys(n).sort()), all.map(() => ['links', 'name', 'uuid']));
    });
  });
}
