import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import bcrypt from 'bcryptjs';
import { migrateToLatest, openDatabase, parseConnection } from '../../src/store/database.js';
import { Store } from '../../src/store/store.js';
import { testDialects } from '../helpers/databases.js';
import { apiClient, startTestService, waitFor, type TestService } from '../helpers/service.js';
import { nodeActions } from '../helpers/node-actions.js';
import { newNode } from '../helpers/node-record.js';

interface Sse {
  id?: string;
  event?: string;
  data: any;
}

/** A server-sent-events client over fetch: collects events as they arrive, as a script reading `curl -N` would. */
async function openStream(url: string, headers: Record<string, string> = {}) {
  const abort = new AbortController();
  const res = await fetch(url, { headers, signal: abort.signal });
  const events: Sse[] = [];
  let ended = false;
  let readyId: string | undefined;
  const pump = (async () => {
    if (!res.body) return;
    let buffer = '';
    try {
      for await (const chunk of res.body.pipeThrough(new TextDecoderStream())) {
        buffer += chunk;
        let i: number;
        while ((i = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, i);
          buffer = buffer.slice(i + 2);
          const e: Sse = { data: undefined };
          for (const line of block.split('\n')) {
            if (line.startsWith(':')) continue;
            const [key, ...rest] = line.split(': ');
            const value = rest.join(': ');
            if (key === 'id') e.id = value;
            else if (key === 'event') e.event = value;
            else if (key === 'data') e.data = JSON.parse(value);
          }
          if (e.event === 'ready') readyId = e.id;
          else if (e.event) events.push(e);
        }
      }
    } catch {
      // aborted
    }
    ended = true;
  })();
  return {
    res, events,
    get ended() {
      return ended;
    },
    /** The id of the `ready` event: the stream is live from there. */
    get readyId() {
      return readyId;
    },
    /** Waits until at least `n` events arrived; returns them all. */
    async take(n: number, what = `${n} events`) {
      return waitFor(async () => (events.length >= n ? events.slice() : undefined), 10_000, what)
        .catch((e: Error) => { throw new Error(`${e.message}; got ${JSON.stringify(events.map((x) => [x.event, x.data?.provision_state, x.data?.power_state]))}`); });
    },
    async close() {
      abort.abort();
      await pump;
    },
  };
}

for (const dialect of testDialects()) {
  describe(`event stream on ${dialect}`, () => {
    let svc: TestService;
    const api = () => apiClient(svc.url);
    const actions = nodeActions(api);
    const eventsUrl = (query = '') => `${svc.url}/ferrite/v1/events${query}`;

    before(async () => {
      svc = await startTestService(dialect);
    });
    after(() => svc.close());

    it('pushes node changes as they are committed, in order, with the watched fields', async () => {
      const stream = await openStream(eventsUrl());
      assert.equal(stream.res.status, 200);
      assert.match(stream.res.headers.get('content-type') ?? '', /^text\/event-stream/);
      // `ready` says from which id the stream is live: a client loads its list after it.
      const readyId = await waitFor(async () => stream.readyId, 10_000, 'ready');
      assert.equal(Number(readyId), (await svc.service.store.nodeEvents.bounds()).newest);
      const created = await api().post('/v1/nodes', { driver: 'fake-hardware', name: 'sse-1' });
      assert.equal(created.status, 201, created.text);
      const uuid = created.body.uuid as string;
      await actions.power(uuid, 'power on');
      await actions.provision(uuid, 'manage');
      const all = await stream.take(1);
      assert.deepEqual(all[0].event, 'node.created');
      assert.equal(all[0].data.uuid, uuid);
      assert.equal(all[0].data.name, 'sse-1');
      assert.equal(all[0].data.provision_state, 'enroll');
      assert.equal('driver_info' in all[0].data, false);
      const events = await waitFor(async () => (stream.events.at(-1)?.data.provision_state === 'manageable' ? stream.events.slice() : undefined), 10_000, 'manageable');
      const ids = events.map((e) => Number(e.id));
      assert.deepEqual(ids, [...ids].sort((a, b) => a - b), 'ids increase');
      assert.ok(events.every((e) => e.data.uuid === uuid));
      // Each recorded state appears in the order it was committed.
      const path = events.map((e) => `${e.data.provision_state}/${e.data.target_provision_state ?? '-'}/${e.data.power_state ?? '-'}/${e.data.target_power_state ?? '-'}`)
        .filter((s, i, a) => i === 0 || a[i - 1] !== s);
      assert.deepEqual(path.slice(0, 2), ['enroll/-/-/-', 'enroll/-/-/power on']);
      assert.ok(path.includes('enroll/-/power on/-'), path.join(' '));
      assert.ok(path.includes('verifying/manageable/power on/-'), path.join(' '));
      assert.equal(path.at(-1), 'manageable/-/power on/-');
      await stream.close();
    });

    it('resumes after Last-Event-ID with exactly the missed events, and filters by node', async () => {
      const store = svc.service.store;
      const a = (await api().post('/v1/nodes', { driver: 'fake-hardware', name: 'sse-a' })).body.uuid as string;
      const first = await openStream(eventsUrl());
      await api().patch(`/v1/nodes/${a}`, [{ op: 'add', path: '/owner', value: 'p1' }]);
      const seen = await waitFor(async () => first.events.find((e) => e.data.owner === 'p1'), 10_000, 'p1');
      await first.close();
      const b = (await api().post('/v1/nodes', { driver: 'fake-hardware', name: 'sse-b' })).body.uuid as string;
      await api().patch(`/v1/nodes/${a}`, [{ op: 'add', path: '/owner', value: 'p2' }]);
      await api().delete(`/v1/nodes/${b}`);
      const missed = await store.nodeEvents.after(Number(seen.id), 1000);
      assert.deepEqual(missed.filter((e) => e.kind !== 'updated').map((e) => [e.kind, e.node_uuid]), [['created', b], ['deleted', b]]);

      const resumed = await openStream(eventsUrl(), { 'Last-Event-ID': seen.id! });
      const got = await resumed.take(missed.length);
      assert.deepEqual(got.map((e) => [Number(e.id), e.event, e.data]), missed.map((e) => [e.id, `node.${e.kind}`, JSON.parse(e.fields)]));

      const bySince = await openStream(eventsUrl(`?since=${seen.id}&node=sse-a`));
      const byUuid = await openStream(eventsUrl(`?since=${seen.id}&node=${a}`));
      await api().patch(`/v1/nodes/${a}`, [{ op: 'add', path: '/owner', value: 'p3' }]);
      await waitFor(async () => (resumed.events.at(-1)?.data.owner === 'p3' ? true : undefined), 10_000, 'p3');
      const ofA = (await store.nodeEvents.after(Number(seen.id), 1000)).filter((e) => e.node_uuid === a);
      for (const s of [bySince, byUuid]) {
        const filtered = await s.take(ofA.length);
        assert.deepEqual(filtered.map((e) => Number(e.id)), ofA.map((e) => e.id));
      }
      await new Promise((r) => setTimeout(r, 400));
      assert.equal(resumed.events.length, (await store.nodeEvents.after(Number(seen.id), 1000)).length, 'nothing repeated, nothing extra');
      for (const s of [resumed, bySince, byUuid]) await s.close();
    });

    it('tells a client resuming from a pruned id to reload, and refuses a bad id', async () => {
      const store = svc.service.store;
      for (const name of ['sse-pruned-1', 'sse-pruned-2', 'sse-pruned-3']) await api().post('/v1/nodes', { driver: 'fake-hardware', name });
      const { newest } = await store.nodeEvents.bounds();
      await store.nodeEvents.prune(1, '9999');
      const stream = await openStream(eventsUrl('?since=1'));
      const [reset] = await stream.take(1);
      assert.equal(reset.event, 'reset');
      assert.ok(Number(reset.id) >= newest);
      await stream.close();
      const bad = await fetch(eventsUrl('?since=abc'));
      assert.equal(bad.status, 400);
      await bad.text();
    });

    it('sees nodes written by another process on the same database', async () => {
      const stream = await openStream(eventsUrl());
      await new Promise((r) => setTimeout(r, 50));
      const other = new Store(openDatabase(parseConnection(svc.db.connection, '/')));
      try {
        await migrateToLatest(other.database);
        const node = await other.nodes.insert(newNode({ name: 'from-elsewhere' }));
        await other.nodes.update(node.id, { provision_state: 'manageable' });
        const got = await stream.take(2);
        assert.deepEqual(got.map((e) => [e.event, e.data.name, e.data.provision_state]), [
          ['node.created', 'from-elsewhere', 'enroll'], ['node.updated', 'from-elsewhere', 'manageable'],
        ]);
      } finally {
        await other.close();
        await stream.close();
      }
    });
  });

  describe(`event stream service lifecycle on ${dialect}`, () => {
    it('ends open streams when the service closes, promptly', async () => {
      const svc = await startTestService(dialect);
      const stream = await openStream(`${svc.url}/ferrite/v1/events`);
      const started = Date.now();
      await svc.close();
      assert.ok(Date.now() - started < 3000, `closed in ${Date.now() - started} ms`);
      await waitFor(async () => (stream.ended ? true : undefined), 2000, 'stream end');
    });
  });
}

describe('event stream with http_basic', () => {
  let svc: TestService;
  const dir = mkdtempSync(join(tmpdir(), 'ferrite-sse-auth-'));
  before(async () => {
    const file = join(dir, 'htpasswd');
    writeFileSync(file, `admin:${bcrypt.hashSync('secret', 5)}\n`);
    svc = await startTestService('sqlite', { DEFAULT: { auth_strategy: 'http_basic', http_basic_auth_user_file: file } });
  });
  after(async () => {
    await svc.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses requests without credentials and streams with them', async () => {
    const refused = await fetch(`${svc.url}/ferrite/v1/events`);
    assert.equal(refused.status, 401);
    await refused.text();
    const stream = await openStream(`${svc.url}/ferrite/v1/events`, { Authorization: `Basic ${Buffer.from('admin:secret').toString('base64')}` });
    assert.equal(stream.res.status, 200);
    await stream.close();
  });
});
