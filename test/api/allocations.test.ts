import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { testDialects } from '../helpers/databases.js';
import { removeNodeAllocation } from '../../src/conductor/allocations.js';
import { apiClient, faultOf, startTestService, waitFor, type TestService } from '../helpers/service.js';

for (const dialect of testDialects()) {
  describe(`allocations API on ${dialect}`, () => {
    let svc: TestService;
    let api: ReturnType<typeof apiClient>;
    let seq = 0;
    const rc = (what: string) => `rc-${what}-${++seq}`;

    before(async () => {
      svc = await startTestService(dialect);
      api = apiClient(svc.url);
    });
    after(async () => {
      await svc.service.conductor.allocations.drain();
      await svc.close();
    });

    /** An available node (nodes created before 1.11 start available) with the given settings. */
    async function availableNode(resourceClass: string, opts: { name?: string; traits?: string[]; patch?: unknown[] } = {}): Promise<string> {
      const created = await api.post('/v1/nodes', { driver: 'fake-hardware', ...(opts.name ? { name: opts.name } : {}) }, { version: '1.10' });
      assert.equal(created.status, 201);
      assert.equal(created.body.provision_state, 'available');
      const patched = await api.patch(`/v1/nodes/${created.body.uuid}`, [
        { op: 'add', path: '/resource_class', value: resourceClass }, ...(opts.patch ?? []),
      ]);
      assert.equal(patched.status, 200, JSON.stringify(patched.body));
      if (opts.traits) assert.equal((await api.put(`/v1/nodes/${created.body.uuid}/traits`, { traits: opts.traits })).status, 204);
      return created.body.uuid as string;
    }

    async function deployedNode(resourceClass: string, patch: unknown[] = []): Promise<string> {
      const uuid = await availableNode(resourceClass, { patch });
      assert.equal((await api.put(`/v1/nodes/${uuid}/states/provision`, { target: 'active' })).status, 202);
      await waitFor(async () => ((await api.get(`/v1/nodes/${uuid}`)).body.provision_state === 'active' ? true : undefined), 10_000, 'deploy');
      return uuid;
    }

    /** Waits until the allocation leaves `allocating` and returns it. */
    async function settled(ident: string): Promise<any> {
      return waitFor(async () => {
        const r = await api.get(`/v1/allocations/${ident}`);
        assert.equal(r.status, 200);
        return r.body.state === 'allocating' ? undefined : r.body;
      }, 10_000, `allocation ${ident}`);
    }

    const node = async (uuid: string) => (await api.get(`/v1/nodes/${uuid}`)).body;
    const allocationCount = async () => (await api.get('/v1/allocations')).body.allocations.length as number;

    it('does not exist before 1.52 (GET 404, other methods 405); PATCH needs 1.57', async () => {
      const n = await availableNode(rc('old'));
      assert.equal((await api.get('/v1/allocations', { version: '1.51' })).status, 404);
      assert.equal((await api.get(`/v1/allocations/${randomUUID()}`, { version: '1.51' })).status, 404);
      assert.equal((await api.get(`/v1/nodes/${n}/allocation`, { version: '1.51' })).status, 404);
      assert.equal((await api.delete(`/v1/nodes/${n}/allocation`, { version: '1.51' })).status, 404);
      assert.equal((await api.post('/v1/allocations', { resource_class: 'x' }, { version: '1.51' })).status, 405);
      assert.equal((await api.delete(`/v1/allocations/${randomUUID()}`, { version: '1.51' })).status, 405);
      const { body: a } = await api.post('/v1/allocations', { resource_class: rc('none'), name: 'patch-old' }, { version: '1.52' });
      const patch = await api.patch('/v1/allocations/patch-old', [{ op: 'add', path: '/extra/a', value: 1 }], { version: '1.56' });
      assert.equal(patch.status, 405);
      assert.deepEqual((await api.get(`/v1/allocations/${a.uuid}`)).body.extra, {});
      assert.equal((await api.get(`/v1/nodes/${n}`)).body.allocation_uuid, null);
    });

    it('creates an allocation that a background worker fulfils', async () => {
      const resourceClass = rc('basic');
      const n = await availableNode(resourceClass, { patch: [{ op: 'add', path: '/instance_info/image_source', value: 'http://img' }] });
      const created = await api.post('/v1/allocations', { resource_class: resourceClass, extra: { ticket: 7 } });
      assert.equal(created.status, 201);
      assert.equal(created.headers.get('location'), `${svc.url}/v1/allocations/${created.body.uuid}`);
      assert.deepEqual(Object.keys(created.body).sort(), [
        'candidate_nodes', 'created_at', 'extra', 'last_error', 'links', 'name', 'node_uuid', 'owner', 'resource_class',
        'state', 'traits', 'updated_at', 'uuid',
      ]);
      assert.equal(created.body.state, 'allocating', 'the response is the allocation as stored, before the worker ran');
      assert.equal(created.body.node_uuid, null);
      assert.equal(created.body.last_error, null);
      assert.deepEqual(created.body.traits, []);
      assert.deepEqual(created.body.candidate_nodes, []);
      assert.deepEqual(created.body.extra, { ticket: 7 });
      const done = await settled(created.body.uuid);
      assert.equal(done.state, 'active');
      assert.equal(done.node_uuid, n);
      assert.equal(done.last_error, null);
      const nodeAlloc = await api.get(`/v1/nodes/${n}/allocation`);
      assert.deepEqual(nodeAlloc.body, done);
      const nd = await node(n);
      assert.equal(nd.allocation_uuid, created.body.uuid);
      assert.equal(nd.instance_uuid, created.body.uuid, 'the allocation UUID becomes the instance UUID');
      assert.deepEqual(nd.instance_info, { image_source: 'http://img', traits: [] });
      assert.equal(nd.reservation, null, 'the reservation is released');
      const old = await api.get(`/v1/allocations/${created.body.uuid}`, { version: '1.59' });
      assert.equal(old.body.owner, undefined, 'owner appears at 1.60');
      const selected = await api.get(`/v1/nodes/${n}/allocation?fields=state,node_uuid`);
      assert.deepEqual(Object.keys(selected.body).sort(), ['links', 'node_uuid', 'state']);
    });

    it('records why nothing matched', async () => {
      const resourceClass = rc('mismatch');
      await availableNode(resourceClass, { traits: ['CUSTOM_A'] });
      const cases: [Record<string, unknown>, (uuid: string) => string][] = [
        [{ resource_class: `${resourceClass}-nope` }, (u) => `Failed to process allocation ${u}: no available nodes match the resource class ${resourceClass}-nope.`],
        [{ resource_class: resourceClass, traits: ['CUSTOM_A', 'CUSTOM_B'] }, (u) => `Failed to process allocation ${u}: no suitable nodes have the requested traits CUSTOM_A, CUSTOM_B.`],
      ];
      for (const [body, message] of cases) {
        const { body: a } = await api.post('/v1/allocations', body);
        const done = await settled(a.uuid);
        assert.equal(done.state, 'error');
        assert.equal(done.last_error, message(a.uuid));
        assert.equal(done.node_uuid, null);
      }
      const other = await availableNode(`${resourceClass}-alt`);
      const { body: a } = await api.post('/v1/allocations', { resource_class: resourceClass, candidate_nodes: [other] });
      const done = await settled(a.uuid);
      assert.equal(done.state, 'error');
      assert.match(done.last_error, /none of the requested nodes are available and match the resource class/);
      assert.equal((await node(other)).allocation_uuid, null);
    });

    it('picks a node with all requested traits, among candidates given by name or UUID', async () => {
      const resourceClass = rc('traits');
      const plain = await availableNode(resourceClass);
      const meow = await availableNode(resourceClass, { traits: ['CUSTOM_MEOW', 'CUSTOM_PURR'] });
      const { body: a } = await api.post('/v1/allocations', { resource_class: resourceClass, traits: ['CUSTOM_MEOW'] });
      assert.deepEqual(a.traits, ['CUSTOM_MEOW']);
      const done = await settled(a.uuid);
      assert.equal(done.node_uuid, meow);
      assert.deepEqual((await node(meow)).instance_info, { traits: ['CUSTOM_MEOW'] }, 'requested traits are recorded on the instance');
      const named = await availableNode(resourceClass, { name: 'alloc-cand-1' });
      const { body: b } = await api.post('/v1/allocations', { resource_class: resourceClass, candidate_nodes: ['alloc-cand-1'] });
      assert.deepEqual(b.candidate_nodes, [named], 'candidates are stored as UUIDs');
      assert.equal((await settled(b.uuid)).node_uuid, named);
      const { body: c } = await api.post('/v1/allocations', { resource_class: resourceClass, candidate_nodes: [plain.toUpperCase()] });
      assert.deepEqual(c.candidate_nodes, [plain]);
      assert.equal((await settled(c.uuid)).node_uuid, plain);
      const before = await allocationCount();
      const unknown = await api.post('/v1/allocations', { resource_class: resourceClass, candidate_nodes: ['no-such-node', plain] });
      assert.equal(unknown.status, 400);
      assert.equal(faultOf(unknown.body), 'Nodes cannot be found: no-such-node');
      assert.equal(await allocationCount(), before);
    });

    it('prefers the node named like the allocation', async () => {
      const resourceClass = rc('named');
      for (let i = 0; i < 4; i++) await availableNode(resourceClass, { name: `named-node-${seq}-${i}` });
      const wanted = `named-node-${seq}-2`;
      const { body: a } = await api.post('/v1/allocations', { resource_class: resourceClass, name: wanted });
      const done = await settled(a.uuid);
      assert.equal(done.node_uuid, (await node(wanted)).uuid);
      assert.equal(done.name, wanted);
    });

    it('skips nodes that are not free for an allocation', async () => {
      const resourceClass = rc('skip');
      await availableNode(resourceClass, { patch: [{ op: 'replace', path: '/maintenance', value: true }] });
      await availableNode(resourceClass, { patch: [{ op: 'replace', path: '/retired', value: true }] });
      await availableNode(resourceClass, { patch: [{ op: 'add', path: '/instance_uuid', value: randomUUID() }] });
      const manageable = await availableNode(resourceClass);
      assert.equal((await api.put(`/v1/nodes/${manageable}/states/provision`, { target: 'manage' })).status, 202);
      await waitFor(async () => ((await node(manageable)).provision_state === 'manageable' ? true : undefined));
      const free = await availableNode(resourceClass);
      const { body: a } = await api.post('/v1/allocations', { resource_class: resourceClass });
      assert.equal((await settled(a.uuid)).node_uuid, free);
      const { body: b } = await api.post('/v1/allocations', { resource_class: resourceClass });
      const failed = await settled(b.uuid);
      assert.equal(failed.state, 'error', 'a node holding an allocation is not a candidate');
      assert.match(failed.last_error, /no available nodes match/);
    });

    it('skips locked nodes and retries them', async () => {
      const store = svc.service.store;
      const resourceClass = rc('locked');
      const lockedUuid = await availableNode(resourceClass);
      const freeUuid = await availableNode(resourceClass);
      const locked = (await store.nodes.getByUuid(lockedUuid))!;
      assert.ok(await store.nodes.reserve(locked.id, 'other-conductor'));
      const { body: a } = await api.post('/v1/allocations', { resource_class: resourceClass });
      assert.equal((await settled(a.uuid)).node_uuid, freeUuid, 'the locked node is skipped');
      // the only candidate is locked: the worker retries it once the lock is gone
      const { body: b } = await api.post('/v1/allocations', { resource_class: resourceClass });
      await new Promise((r) => setTimeout(r, 300));
      assert.equal((await api.get(`/v1/allocations/${b.uuid}`)).body.state, 'allocating');
      await store.nodes.release(locked.id, 'other-conductor');
      assert.equal((await settled(b.uuid)).node_uuid, lockedUuid);
      assert.equal((await node(lockedUuid)).reservation, null);
      // a candidate that stays locked fails the allocation after the retries
      const resourceClass2 = rc('locked-forever');
      const stuckUuid = await availableNode(resourceClass2);
      const stuck = (await store.nodes.getByUuid(stuckUuid))!;
      assert.ok(await store.nodes.reserve(stuck.id, 'other-conductor'));
      const { body: c } = await api.post('/v1/allocations', { resource_class: resourceClass2 });
      const failed = await settled(c.uuid);
      assert.equal(failed.state, 'error');
      assert.equal(failed.last_error, `Failed to process allocation ${c.uuid}: could not reserve any of 1 suitable nodes.`);
      const n = await node(stuckUuid);
      assert.equal(n.allocation_uuid, null);
      assert.equal(n.reservation, 'other-conductor', 'the other holder keeps its lock');
      await store.nodes.release(stuck.id, 'other-conductor');
    });

    it('deletes an allocation that is still being processed without giving its node away', async () => {
      const store = svc.service.store;
      const resourceClass = rc('delete-early');
      const uuid = await availableNode(resourceClass);
      const n = (await store.nodes.getByUuid(uuid))!;
      assert.ok(await store.nodes.reserve(n.id, 'other-conductor'));
      const { body: a } = await api.post('/v1/allocations', { resource_class: resourceClass });
      assert.equal((await api.get(`/v1/allocations/${a.uuid}`)).body.state, 'allocating');
      assert.equal((await api.delete(`/v1/allocations/${a.uuid}`)).status, 204);
      await store.nodes.release(n.id, 'other-conductor');
      await svc.service.conductor.allocations.drain();
      const after = await node(uuid);
      assert.equal(after.allocation_uuid, null, 'the worker found its allocation gone and rolled back');
      assert.equal(after.instance_uuid, null);
      assert.equal((await api.get(`/v1/allocations/${a.uuid}`)).status, 404);
    });

    it('takes over allocations a dead conductor left allocating', async () => {
      const { store, conductor } = svc.service;
      const resourceClass = rc('orphan');
      const uuid = await availableNode(resourceClass);
      const orphan = await store.allocations.insert({
        uuid: randomUUID(), name: null, node_uuid: null, state: 'allocating', last_error: null, resource_class: resourceClass,
        traits: [], candidate_nodes: [], extra: {}, owner: null, conductor_affinity: 'dead-conductor',
        created_at: new Date().toISOString(), updated_at: null,
      });
      assert.equal(await conductor.allocations.resumeOrphans(['other-dead-conductor']), 0);
      assert.equal(await conductor.allocations.resumeOrphans(['dead-conductor']), 1);
      assert.equal(await conductor.allocations.resumeOrphans(['dead-conductor']), 0, 'taken over once');
      const done = await settled(orphan.uuid);
      assert.equal(done.state, 'active');
      assert.equal(done.node_uuid, uuid);
      assert.equal((await store.allocations.getById(orphan.id))!.conductor_affinity, 'test-conductor');
    });

    it('gives each of several concurrent allocations its own node', async () => {
      const resourceClass = rc('race');
      const nodes = new Set<string>();
      for (let i = 0; i < 5; i++) nodes.add(await availableNode(resourceClass));
      const created = await Promise.all(Array.from({ length: 6 }, () => api.post('/v1/allocations', { resource_class: resourceClass })));
      const done = await Promise.all(created.map((r) => settled(r.body.uuid as string)));
      const active = done.filter((a) => a.state === 'active');
      assert.equal(active.length, 5);
      assert.deepEqual(new Set(active.map((a) => a.node_uuid)), nodes);
      assert.equal(done.filter((a) => a.state === 'error').length, 1);
      for (const a of active) assert.equal((await node(a.node_uuid)).allocation_uuid, a.uuid);
    });

    it('lists with filters, fields and pages', async () => {
      const resourceClass = rc('list');
      const n = await availableNode(resourceClass, { name: 'list-node' });
      const { body: ok } = await api.post('/v1/allocations', { resource_class: resourceClass, name: 'list-ok' });
      const { body: bad } = await api.post('/v1/allocations', { resource_class: `${resourceClass}-x`, name: 'list-bad' });
      await settled(ok.uuid);
      await settled(bad.uuid);
      const uuids = async (query: string) => (await api.get(`/v1/allocations?${query}`)).body.allocations.map((a: { uuid: string }) => a.uuid);
      assert.deepEqual(await uuids(`resource_class=${resourceClass}`), [ok.uuid]);
      assert.deepEqual(await uuids('node=list-node'), [ok.uuid]);
      assert.deepEqual(await uuids(`node=${n}`), [ok.uuid]);
      const active = await uuids('state=active');
      const errored = await uuids('state=error');
      assert.ok(active.includes(ok.uuid) && !active.includes(bad.uuid));
      assert.ok(errored.includes(bad.uuid) && !errored.includes(ok.uuid));
      assert.deepEqual(await uuids('state=allocating'), []);
      const all = (await api.get('/v1/allocations')).body.allocations;
      assert.deepEqual(Object.keys(all[0]).sort(), Object.keys(ok).sort(), 'lists show whole allocations');
      const page = await api.get('/v1/allocations?limit=2&fields=state');
      assert.deepEqual(Object.keys(page.body.allocations[0]).sort(), ['links', 'state']);
      const next = new URL(page.body.next as string);
      assert.equal(next.searchParams.get('marker'), all[1].uuid);
      assert.equal(next.searchParams.get('fields'), 'state');
      const page2 = await api.get(next.pathname + next.search);
      assert.equal(page2.body.allocations.length, 2);
      const desc = await api.get('/v1/allocations?sort_key=created_at&sort_dir=desc&limit=1');
      assert.equal(desc.body.allocations[0].uuid, all[all.length - 1].uuid);
      const cases: [string, number, string, RegExp?][] = [
        ['node=no-such-node', 400, 'latest', /Node no-such-node could not be found/],
        ['owner=x', 406, '1.59'],
        ['fields=owner', 406, '1.59'],
        ['sort_key=traits', 400, 'latest', /invalid field for sorting/],
        ['sort_key=extra', 400, 'latest'],
        ['fields=bogus', 400, 'latest'],
        ['detail=true', 400, 'latest', /Unknown argument/],
        ['marker=nope', 400, 'latest'],
        [`marker=${randomUUID()}`, 404, 'latest'],
      ];
      for (const [query, status, version, text] of cases) {
        const r = await api.get(`/v1/allocations?${query}`, { version });
        assert.equal(r.status, status, query);
        if (text) assert.match(faultOf(r.body) ?? '', text, query);
      }
    });

    it('keeps an owner and matches only nodes the owner owns or leases (1.60)', async () => {
      const resourceClass = rc('owner');
      await availableNode(resourceClass, { patch: [{ op: 'add', path: '/owner', value: 'someone-else' }] });
      const leased = await availableNode(resourceClass, { patch: [{ op: 'add', path: '/lessee', value: 'proj-1' }] });
      assert.equal((await api.post('/v1/allocations', { resource_class: resourceClass, owner: 'proj-1' }, { version: '1.59' })).status, 406);
      const { body: a } = await api.post('/v1/allocations', { resource_class: resourceClass, owner: 'proj-1' });
      assert.equal(a.owner, 'proj-1');
      assert.equal((await settled(a.uuid)).node_uuid, leased);
      const { body: b } = await api.post('/v1/allocations', { resource_class: resourceClass, owner: 'proj-1' });
      assert.equal((await settled(b.uuid)).state, 'error');
      assert.deepEqual((await api.get('/v1/allocations?owner=proj-1')).body.allocations.map((x: { uuid: string }) => x.uuid), [a.uuid, b.uuid]);
    });

    it('refuses invalid allocations and stores nothing', async () => {
      const { body: existing } = await api.post('/v1/allocations', { resource_class: rc('dup'), name: 'dup-name' });
      const before = await allocationCount();
      const cases: [unknown, number, string, RegExp?][] = [
        [{}, 400, 'latest', /The resource_class field is mandatory when not backfilling/],
        [{ resource_class: '' }, 400, 'latest', /mandatory/],
        [{ resource_class: 'x'.repeat(81) }, 400, 'latest'],
        [{ resource_class: 'x', traits: ['lower'] }, 400, 'latest'],
        [{ resource_class: 'x', traits: 'CUSTOM_A' }, 400, 'latest'],
        [{ resource_class: 'x', candidate_nodes: 'node' }, 400, 'latest'],
        [{ resource_class: 'x', extra: [] }, 400, 'latest'],
        [{ resource_class: 'x', name: 'bad name' }, 400, 'latest', /Cannot create allocation with invalid name 'bad name'/],
        [{ resource_class: 'x', name: randomUUID() }, 400, 'latest'],
        [{ resource_class: 'x', uuid: 'not-a-uuid' }, 400, 'latest'],
        [{ resource_class: 'x', bogus: 1 }, 400, 'latest', /Additional properties are not allowed/],
        [{ resource_class: 'x', node: 'some-node' }, 400, '1.57', /Cannot set node when creating an allocation in this API version/],
        [{ resource_class: 'x', name: 'dup-name' }, 409, 'latest', /An allocation with name dup-name already exists\./],
        [{ resource_class: 'x', uuid: existing.uuid }, 409, 'latest', /An allocation with UUID .* already exists\./],
        [[], 400, 'latest'],
      ];
      for (const [body, status, version, text] of cases) {
        const r = await api.post('/v1/allocations', body, { version });
        assert.equal(r.status, status, JSON.stringify(body));
        if (text) assert.match(faultOf(r.body) ?? '', text, JSON.stringify(body));
      }
      assert.equal(await allocationCount(), before);
    });

    it('patches name and extra only', async () => {
      const { body: a } = await api.post('/v1/allocations', { resource_class: rc('patch'), name: 'patch-me' });
      await api.post('/v1/allocations', { resource_class: rc('patch'), name: 'taken' });
      await settled(a.uuid);
      const ok = await api.patch('/v1/allocations/patch-me', [
        { op: 'replace', path: '/name', value: 'patched' }, { op: 'add', path: '/extra/k', value: 'v' },
      ], { version: '1.57' });
      assert.equal(ok.status, 200);
      assert.equal(ok.body.name, 'patched');
      assert.deepEqual(ok.body.extra, { k: 'v' });
      assert.equal(ok.body.owner, undefined, 'fields of the request version only');
      assert.notEqual(ok.body.updated_at, null);
      const bad: [unknown, number][] = [
        [[{ op: 'replace', path: '/resource_class', value: 'x' }], 400],
        [[{ op: 'replace', path: '/state', value: 'active' }], 400],
        [[{ op: 'replace', path: '/node_uuid', value: randomUUID() }], 400],
        [[{ op: 'replace', path: '/owner', value: 'x' }], 400],
        [[{ op: 'replace', path: '/name', value: 'taken' }], 409],
        [[{ op: 'replace', path: '/name', value: 'bad name' }], 400],
        [[{ op: 'replace', path: '/extra', value: 'x' }], 400],
        [[{ op: 'add', path: '/extra/z', value: 1 }, { op: 'replace', path: '/traits', value: [] }], 400],
      ];
      for (const [patch, status] of bad) {
        const r = await api.patch(`/v1/allocations/${a.uuid}`, patch);
        assert.equal(r.status, status, JSON.stringify(patch));
      }
      const after = (await api.get(`/v1/allocations/${a.uuid}`)).body;
      assert.equal(after.name, 'patched');
      assert.deepEqual(after.extra, { k: 'v' });
      const removed = await api.patch(`/v1/allocations/${a.uuid}`, [{ op: 'remove', path: '/name' }, { op: 'remove', path: '/extra' }]);
      assert.equal(removed.body.name, null);
      assert.deepEqual(removed.body.extra, {});
      assert.equal((await api.get('/v1/allocations/patch-me')).status, 404);
    });

    it('deletes allocations and frees their nodes, where the node state allows it', async () => {
      const resourceClass = rc('delete');
      const n = await availableNode(resourceClass);
      const { body: a } = await api.post('/v1/allocations', { resource_class: resourceClass, name: 'del-by-name' });
      await settled(a.uuid);
      assert.equal((await api.delete('/v1/allocations/del-by-name')).status, 204);
      const missing = await api.get(`/v1/allocations/${a.uuid}`);
      assert.equal(missing.status, 404);
      assert.equal(faultOf(missing.body), `Allocation ${a.uuid} could not be found.`);
      const freed = await node(n);
      assert.equal(freed.allocation_uuid, null);
      assert.equal(freed.instance_uuid, null);
      assert.equal(freed.reservation, null);
      // through the node, and the node can be allocated again
      const { body: b } = await api.post('/v1/allocations', { resource_class: resourceClass });
      assert.equal((await settled(b.uuid)).node_uuid, n);
      assert.equal((await api.delete(`/v1/nodes/${n}/allocation`)).status, 204);
      assert.equal((await node(n)).allocation_uuid, null);
      const none = await api.get(`/v1/nodes/${n}/allocation`);
      assert.equal(none.status, 404);
      assert.equal(faultOf(none.body), `Allocation for node ${n} was not found`);
      assert.equal((await api.delete(`/v1/nodes/${n}/allocation`)).status, 404);
      assert.equal((await api.get('/v1/nodes/no-such-node/allocation')).status, 404);
      // an allocation that failed holds no node
      const { body: c } = await api.post('/v1/allocations', { resource_class: `${resourceClass}-none` });
      await settled(c.uuid);
      assert.equal((await api.delete(`/v1/allocations/${c.uuid}`)).status, 204);
      assert.equal((await api.delete(`/v1/allocations/${c.uuid}`)).status, 404);
      assert.equal((await api.delete('/v1/allocations/bad%20name')).status, 400);
    });

    it('backfills allocations for deployed nodes (1.58)', async () => {
      const resourceClass = rc('backfill');
      const n = await deployedNode(resourceClass);
      const created = await api.post('/v1/allocations', { node: n }, { version: '1.58' });
      assert.equal(created.status, 201);
      assert.equal(created.body.state, 'active', 'backfilling is done at once');
      assert.equal(created.body.node_uuid, n);
      assert.equal(created.body.resource_class, resourceClass, 'the resource class is copied from the node');
      assert.equal(created.body.last_error, null);
      const nd = await node(n);
      assert.equal(nd.allocation_uuid, created.body.uuid);
      assert.equal(nd.instance_uuid, created.body.uuid);
      assert.deepEqual((await api.get(`/v1/nodes/${n}/allocation`)).body, (await api.get(`/v1/allocations/${created.body.uuid}`)).body);
      const active = await api.delete(`/v1/allocations/${created.body.uuid}`);
      assert.equal(active.status, 409, 'the allocation of an active node stays unless the node is in maintenance');
      assert.match(faultOf(active.body) ?? '', /because the node is active \(and maintenance mode is off\)/);
      assert.equal((await node(n)).allocation_uuid, created.body.uuid);
      assert.equal((await api.put(`/v1/nodes/${n}/maintenance`, { reason: 'cleanup' })).status, 202);
      assert.equal((await api.delete(`/v1/allocations/${created.body.uuid}`)).status, 204);
      assert.equal((await node(n)).instance_uuid, null);

      // a node deployed with an instance UUID keeps it as the allocation's UUID
      const instance = randomUUID();
      const m = await deployedNode(resourceClass, [{ op: 'add', path: '/instance_uuid', value: instance }]);
      const { body: kept } = await api.post('/v1/allocations', { node: m, resource_class: resourceClass, name: 'kept' });
      assert.equal(kept.uuid, instance);
      assert.equal(kept.node_uuid, m);
      assert.equal((await node(m)).allocation_uuid, instance);
    });

    it('offers undeploy flows a way to drop the allocation of a node they tear down', async () => {
      const resourceClass = rc('teardown');
      const uuid = await availableNode(resourceClass);
      const { body: a } = await api.post('/v1/allocations', { resource_class: resourceClass });
      assert.equal((await settled(a.uuid)).node_uuid, uuid);
      const { conductor, store } = svc.service;
      await conductor.core.withTask(uuid, 'undeploy', async (task) => {
        await removeNodeAllocation(store, task);
        assert.equal(task.node.allocation_uuid, null);
      });
      const after = await node(uuid);
      assert.equal(after.allocation_uuid, null);
      assert.equal(after.instance_uuid, null);
      assert.equal(after.reservation, null);
      assert.equal((await api.get(`/v1/allocations/${a.uuid}`)).status, 404);
    });

    it('refuses backfills that do not fit and stores nothing', async () => {
      const resourceClass = rc('backfill-bad');
      const deployed = await deployedNode(resourceClass);
      const available = await availableNode(resourceClass);
      const other = await availableNode(resourceClass);
      const before = await allocationCount();
      const cases: [Record<string, unknown>, number, RegExp][] = [
        [{ node: available }, 400, /Node must be in the "active" state, but the current state is "available"/],
        [{ node: deployed, resource_class: 'other' }, 400, /Resource class .* does not match the requested resource class other/],
        [{ node: deployed, traits: ['CUSTOM_NOPE'] }, 400, /does not match the requested traits/],
        [{ node: deployed, candidate_nodes: [other] }, 400, /Candidate nodes must be empty or contain the target node/],
        [{ node: 'no-such-node' }, 400, /Node no-such-node could not be found/],
      ];
      for (const [body, status, text] of cases) {
        const r = await api.post('/v1/allocations', body);
        assert.equal(r.status, status, JSON.stringify(body));
        assert.match(faultOf(r.body) ?? '', text, JSON.stringify(body));
      }
      const { body: first } = await api.post('/v1/allocations', { node: deployed });
      assert.equal(first.state, 'active');
      const again = await api.post('/v1/allocations', { node: deployed });
      assert.equal(again.status, 409, 'a node holds one allocation');
      assert.equal(faultOf(again.body), `An allocation with UUID ${first.uuid} already exists.`, 'its instance UUID is taken');
      const otherUuid = await api.post('/v1/allocations', { node: deployed, uuid: randomUUID() });
      assert.equal(otherUuid.status, 409);
      assert.equal(faultOf(otherUuid.body), `Node ${deployed} is associated with instance ${first.uuid}.`);
      assert.equal(await allocationCount(), before + 1);
      for (const uuid of [available, other]) assert.equal((await node(uuid)).allocation_uuid, null);
    });
  });
}
