import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { migrateToLatest, openDatabase, parseConnection } from '../../src/store/database.js';
import { Store, now } from '../../src/store/store.js';
import type { Node } from '../../src/domain/node.js';
import { createTestDatabase, testDialects, type TestDatabase } from '../helpers/databases.js';

function newNode(overrides: Partial<Node> = {}): Omit<Node, 'id'> {
  const n: Omit<Node, 'id'> = {
    uuid: randomUUID(), name: null, driver: 'fake-hardware', driver_info: {}, driver_internal_info: {}, properties: {},
    extra: {}, instance_info: {}, instance_uuid: null, chassis_uuid: null, power_state: null, target_power_state: null,
    provision_state: 'enroll', target_provision_state: null, provision_updated_at: null, maintenance: false,
    maintenance_reason: null, fault: null, last_error: null, reservation: null, console_enabled: false, clean_step: {},
    deploy_step: {}, service_step: {}, raid_config: {}, target_raid_config: {}, inspection_started_at: null,
    inspection_finished_at: null, resource_class: null, bios_interface: 'fake', boot_interface: 'fake',
    console_interface: 'fake', deploy_interface: 'fake', firmware_interface: 'fake', inspect_interface: 'fake',
    management_interface: 'fake', network_interface: 'noop', power_interface: 'fake', raid_interface: 'fake',
    rescue_interface: 'fake', storage_interface: 'noop', vendor_interface: 'fake', traits: [], conductor_group: '',
    conductor_affinity: null, automated_clean: null, protected: false, protected_reason: null, owner: null, lessee: null,
    description: null, allocation_uuid: null, retired: false, retired_reason: null, network_data: {}, boot_mode: null,
    secure_boot: null, shard: null, parent_node: null, disable_power_off: false, created_at: now(), updated_at: null,
  };
  return { ...n, ...overrides };
}

for (const dialect of testDialects()) {
  describe(`node repository on ${dialect}`, () => {
    let tdb: TestDatabase;
    let store: Store;

    before(async () => {
      tdb = await createTestDatabase(dialect);
      const database = openDatabase(parseConnection(tdb.connection, '/'));
      assert.deepEqual(await migrateToLatest(database), ['001-initial', '002-bios-settings', '003-node-inventory']);
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
