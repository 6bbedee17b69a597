import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { migrateToLatest, openDatabase, parseConnection } from '../../src/store/database.js';
import { Store, now } from '../../src/store/store.js';
import type { Node } from '../../src/domain/node.js';
import { createTestDatabase, testDialects, type TestDatabase } from '../helpers/databases.js';
import { newNode } from '../helpers/node-record.js';

for (const dialect of testDialects()) {
  describe(`node repository on ${dialect}`, () => {
    let tdb: TestDatabase;
    let store: Store;

    before(async () => {
      tdb = await createTestDatabase(dialect);
      const database = openDatabase(parseConnection(tdb.connection, '/'));
      assert.deepEqual(await migrateToLatest(database), ['001-initial', '002-bios-settings', '003-node-inventory', '004-node-events', '005-node-event-triggers', '006-node-event-triggers-postgres']);
      assert.deepEqual(await migrateToLatest(database), [], 'a second upgrade has nothing to do');
      store = new Store(database);
    });
    after(async () => {
      await store.close();
      await tdb.drop();
    });

    it('round-trips every kind of field unchanged', async () => {
      const input = newNode({
        name: 'rt-1', driver_info: { ipmi_address: '10.0.0.1', nested: { a: [1, 2, { b: null }] } },
        maintenance: true, automated_clean: false, secure_boot: null, traits: ['CUSTOM_A', 'CUSTOM_B'],
        properties: { cpus: 4, memory_mb: 8192, ratio: 0.5, ok: true }, description: 'ünïcode ✓',
      });
      const stored = await store.nodes.insert(input);
      assert.equal(typeof stored.id, 'number');
      const read = await store.nodes.getByUuid(input.uuid);
      assert.deepEqual({ ...read, id: undefined }, { ...input, id: undefined });
      assert.deepEqual(await store.nodes.getByName('rt-1'), read);
    });

    it('lets exactly one of many concurrent reservations win', async () => {
      const node = await store.nodes.insert(newNode());
      const hosts = Array.from({ length: 20 }, (_, i) => `host-${i}`);
      const results = await Promise.all(hosts.map((h) => store.nodes.reserve(node.id, h)));
      const winners = results.filter((r) => r !== undefined);
      assert.equal(winners.length, 1);
      const holder = winners[0].reservation!;
      const other = hosts.find((h) => h !== holder)!;
      assert.equal(await store.nodes.release(node.id, other), false, 'a non-holder cannot release');
      assert.equal(await store.nodes.updateReserved(node.id, other, { last_error: 'x' }), undefined);
      assert.equal((await store.nodes.updateReserved(node.id, holder, { last_error: 'ok' }))?.last_error, 'ok');
      assert.equal(await store.nodes.release(node.id, holder), true);
      assert.equal((await store.nodes.getById(node.id))?.reservation, null);
    });

    it('clears the reservations of a dead host only', async () => {
      const a = await store.nodes.insert(newNode({ reservation: 'dead-host' }));
      const b = await store.nodes.insert(newNode({ reservation: 'live-host' }));
      assert.equal(await store.nodes.clearReservations('dead-host'), 1);
      assert.equal((await store.nodes.getById(a.id))?.reservation, null);
      assert.equal((await store.nodes.getById(b.id))?.reservation, 'live-host');
    });

    it('pages through a sorted list with markers, nulls included, without gaps or repeats', async () => {
      const group = `page-${randomUUID().slice(0, 8)}`;
      const classes = ['c', null, 'a', 'b', null, 'a', 'c', null, 'b', 'a'];
      for (const rc of classes) await store.nodes.insert(newNode({ resource_class: rc, conductor_group: group }));
      for (const dir of ['asc', 'desc'] as const) {
        const all = await store.nodes.list({ filters: { conductor_group: group }, sortKey: 'resource_class', sortDir: dir });
        assert.equal(all.length, classes.length);
        const seen: string[] = [];
        let marker: Node | undefined;
        for (;;) {
          const page = await store.nodes.list({ filters: { conductor_group: group }, sortKey: 'resource_class', sortDir: dir, limit: 3, marker });
          if (page.length === 0) break;
          seen.push(...page.map((n) => n.uuid));
          marker = page[page.length - 1];
        }
        assert.deepEqual(seen, all.map((n) => n.uuid), `paging ${dir} matches the full list`);
      }
    });

    it('filters on associated, project and description', async () => {
      const tag = randomUUID().slice(0, 8);
      await store.nodes.insert(newNode({ conductor_group: tag, instance_uuid: randomUUID(), owner: 'p1', description: 'rack 5_% special' }));
      await store.nodes.insert(newNode({ conductor_group: tag, lessee: 'p1', description: 'rack 55' }));
      await store.nodes.insert(newNode({ conductor_group: tag, owner: 'p2' }));
      assert.equal((await store.nodes.list({ filters: { conductor_group: tag, associated: true } })).length, 1);
      assert.equal((await store.nodes.list({ filters: { conductor_group: tag, associated: false } })).length, 2);
      assert.equal((await store.nodes.list({ filters: { conductor_group: tag, project: 'p1' } })).length, 2);
      assert.equal((await store.nodes.list({ filters: { conductor_group: tag, description_contains: '5_%' } })).length, 1);
      assert.equal(await store.nodes.count({ conductor_group: tag }), 3);
    });

    it('enforces unique names, UUIDs and MAC addresses in the schema', async () => {
      await store.nodes.insert(newNode({ name: 'unique-1' }));
      await assert.rejects(store.nodes.insert(newNode({ name: 'unique-1' })));
      const node = await store.nodes.insert(newNode());
      const port = { uuid: randomUUID(), address: '52:54:00:aa:bb:cc', node_uuid: node.uuid, portgroup_uuid: null,
        local_link_connection: {}, pxe_enabled: true, physical_network: null, internal_info: {}, is_smartnic: false,
        name: null, description: null, extra: {}, created_at: now(), updated_at: null };
      await store.ports.insert(port);
      await assert.rejects(store.ports.insert({ ...port, uuid: randomUUID() }));
    });
  });
}
