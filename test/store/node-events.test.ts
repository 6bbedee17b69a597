import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { migrateToLatest, openDatabase, parseConnection } from '../../src/store/database.js';
import { Store } from '../../src/store/store.js';
import { NODE_EVENT_FIELDS, type NodeEvent } from '../../src/domain/node-event.js';
import { createTestDatabase, testDialects, type TestDatabase } from '../helpers/databases.js';
import { newNode } from '../helpers/node-record.js';

for (const dialect of testDialects()) {
  describe(`node change log on ${dialect}`, () => {
    let tdb: TestDatabase;
    let store: Store;
    let seen = 0;
    /** Events written since the previous call. */
    const fresh = async (): Promise<NodeEvent[]> => {
      const events = await store.nodeEvents.after(seen, 1000);
      if (events.length > 0) seen = events[events.length - 1].id;
      return events;
    };

    before(async () => {
      tdb = await createTestDatabase(dialect);
      const database = openDatabase(parseConnection(tdb.connection, '/'));
      await migrateToLatest(database);
      store = new Store(database);
    });
    after(async () => {
      await store.close();
      await tdb.drop();
    });

    it('writes an event with every node write that touches a watched field', async () => {
      const node = await store.nodes.insert(newNode({ name: 'ev-1' }));
      let events = await fresh();
      assert.deepEqual(events.map((e) => [e.kind, e.node_uuid]), [['created', node.uuid]]);
      const fields = JSON.parse(events[0].fields) as Record<string, unknown>;
      assert.equal(fields.name, 'ev-1');
      assert.equal(fields.provision_state, 'enroll');
      assert.equal(fields.maintenance, false);
      assert.deepEqual(fields.deploy_step, {});
      assert.equal('driver_info' in fields, false, 'no secrets or documents beyond the watched fields');
      // The triggers write exactly the stream's fields, in its order, with the values the node has.
      assert.deepEqual(Object.keys(fields), [...NODE_EVENT_FIELDS]);
      for (const key of NODE_EVENT_FIELDS) assert.deepEqual(fields[key], node[key], key);

      assert.ok(await store.nodes.reserve(node.id, 'c1'));
      await store.nodes.updateReserved(node.id, 'c1', { power_state: 'power on', updated_at: 'now' });
      await store.nodes.release(node.id, 'c1');
      await store.nodes.update(node.id, { maintenance: true, maintenance_reason: 'why' });
      events = await fresh();
      // Taking and dropping the reservation is no event: only the power change and the maintenance are.
      assert.deepEqual(events.map((e) => JSON.parse(e.fields) as Record<string, unknown>).map((f) => [f.power_state, f.maintenance, 'reservation' in f]), [
        ['power on', false, false], ['power on', true, false],
      ]);
      assert.ok(events.every((e) => e.kind === 'updated'));
      assert.deepEqual(events.map((e) => e.id), [...events.map((e) => e.id)].sort((a, b) => a - b));

      await store.nodes.delete(node.id);
      events = await fresh();
      assert.deepEqual(events.map((e) => [e.kind, e.node_uuid, (JSON.parse(e.fields) as { maintenance: boolean }).maintenance]), [['deleted', node.uuid, true]]);
    });

    it('writes no event for unwatched changes, failed compare-and-sets or missing rows', async () => {
      const node = await store.nodes.insert(newNode());
      await fresh();
      await store.nodes.update(node.id, { driver_internal_info: { x: 1 }, updated_at: 'later' });
      assert.ok(await store.nodes.reserve(node.id, 'c1'));
      await fresh();
      await store.nodes.updateReserved(node.id, 'c1', { driver_internal_info: { x: 2 } });
      assert.equal(await store.nodes.reserve(node.id, 'c2'), undefined);
      assert.equal(await store.nodes.release(node.id, 'c2'), false);
      assert.equal(await store.nodes.updateReserved(node.id, 'c2', { power_state: 'power off' }), undefined);
      assert.equal(await store.nodes.delete(-1), false);
      assert.deepEqual(await fresh(), []);
      assert.equal(await store.nodes.clearReservations('c1'), 1);
      assert.deepEqual(await fresh(), [], 'a dropped reservation is no event either');
    });

    it('commits the event with its change and rolls it back with it', async () => {
      const node = await store.nodes.insert(newNode());
      await fresh();
      await assert.rejects(store.transaction(async (tx) => {
        await tx.nodes.update(node.id, { provision_state: 'manageable' });
        throw new Error('abort');
      }), /abort/);
      assert.deepEqual(await fresh(), []);
      assert.equal((await store.nodes.getById(node.id))?.provision_state, 'enroll');
      await store.transaction(async (tx) => {
        await tx.nodes.update(node.id, { provision_state: 'manageable' });
      });
      assert.deepEqual((await fresh()).map((e) => (JSON.parse(e.fields) as { provision_state: string }).provision_state), ['manageable']);
    });

    it('gives ids in commit order, so a reader tailing by id misses nothing while writers race', async () => {
      const nodes = await Promise.all(Array.from({ length: 10 }, () => store.nodes.insert(newNode())));
      await fresh();
      const start = seen;
      let writing = true;
      let tailed = 0;
      const tail = (async () => {
        while (writing) tailed += (await fresh()).length;
        tailed += (await fresh()).length;
      })();
      for (let round = 0; round < 20; round++) {
        await Promise.all(nodes.map((n, i) => store.transaction(async (tx) => {
          await tx.nodes.update(n.id, { last_error: `r${round}-${i}` });
          // Work after the event's insert keeps the transaction open, as in a real multi-statement write.
          await tx.nodes.getById(n.id);
        })));
      }
      writing = false;
      await tail;
      assert.equal(tailed, (await store.nodeEvents.after(start, 100_000)).length);
      assert.equal(tailed, 200);
    });

    it('prunes what is both old and beyond the newest ids kept', async () => {
      const { newest } = await store.nodeEvents.bounds();
      assert.ok(newest > 5);
      assert.equal(await store.nodeEvents.prune(5, '0000'), 0, 'nothing is older than the epoch');
      const future = '9999-01-01T00:00:00.000+00:00';
      const pruned = await store.nodeEvents.prune(5, future);
      assert.ok(pruned > 0);
      const kept = await store.nodeEvents.after(0, 1000);
      assert.deepEqual(kept.map((e) => e.id), kept.map((e) => e.id).filter((id) => id > newest - 5));
      assert.equal((await store.nodeEvents.bounds()).newest, newest);
    });
  });
}
