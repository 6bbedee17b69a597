import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase, parseConnection } from '../../src/store/database.js';
import { Store } from '../../src/store/store.js';
import { createTestDatabase, testDialects, type TestDatabase } from '../helpers/databases.js';
import { apiClient, waitFor } from '../helpers/service.js';
import { FerriteProcess, freePort } from '../helpers/ferrite-process.js';

/*
 * A real `ferrite serve` process is killed with SIGKILL while a deploy runs (the fake deploy takes 30 s), then
 * started again on the same database. The restarted conductor must find the node it was working on, fail it in a
 * defined way (deploy failed, an error, a history record) and drop the reservation its previous life left behind.
 */

const HOST = 'crash-conductor';

for (const dialect of testDialects()) {
  describe(`ferrite killed with SIGKILL mid-deploy and restarted on ${dialect}`, () => {
    let db: TestDatabase;
    let dir: string;
    let config: string;
    let url: string;
    let ferrite: FerriteProcess | undefined;

    before(async () => {
      db = await createTestDatabase(dialect);
      dir = mkdtempSync(join(tmpdir(), 'ferrite-crash-'));
      const port = await freePort();
      url = `http://127.0.0.1:${port}`;
      config = join(dir, 'ferrite.conf');
      writeFileSync(config, [
        '[DEFAULT]', `host = ${HOST}`, `state_path = ${dir}`, 'log_level = warn',
        '[api]', 'host_ip = 127.0.0.1', `port = ${port}`,
        '[database]', `connection = ${db.connection}`,
        // provide must not spend the fake deploy delay on cleaning; periodic tasks stay out of the way
        '[conductor]', 'automated_clean = false', 'sync_power_state_interval = 0', 'check_provision_state_interval = 0',
        '[fake]', 'deploy_delay = 30',
        '',
      ].join('\n'));
    });
    after(async () => {
      if (ferrite?.running) await ferrite.kill('SIGKILL');
      await db?.drop();
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    it('fails the interrupted deploy cleanly, releases the lock, records it, and can deploy again', async (t) => {
      try {
        await scenario();
      } catch (e) {
        t.diagnostic(`ferrite's output:\n${ferrite?.log ?? ''}`);
        throw e;
      }
    });

    async function scenario(): Promise<void> {
      const api = apiClient(url, '1.82');
      const provision = async (uuid: string, target: string) => {
        const r = await api.put(`/v1/nodes/${uuid}/states/provision`, { target });
        assert.equal(r.status, 202, `${target}: ${r.text}`);
      };
      const node = async (uuid: string) => (await api.get(`/v1/nodes/${uuid}`)).body;
      const reach = (uuid: string, state: string) => waitFor(async () => {
        const n = await node(uuid);
        return n.provision_state === state && n.reservation === null ? n : undefined;
      }, 15_000, `${uuid} to reach ${state}`);

      ferrite = new FerriteProcess(['serve', '--config', config]);
      await ferrite.ready(url);

      // The node to be caught mid-deploy: enroll → manageable → available, then active.
      const doomed = (await api.post('/v1/nodes', { driver: 'fake-hardware', name: 'doomed' })).body.uuid as string;
      await provision(doomed, 'manage');
      await reach(doomed, 'manageable');
      await provision(doomed, 'provide');
      await reach(doomed, 'available');
      // A bystander resting in available: recovery must leave it alone.
      const bystander = (await api.post('/v1/nodes', { driver: 'fake-hardware', name: 'bystander' })).body.uuid as string;
      await provision(bystander, 'manage');
      await reach(bystander, 'manageable');
      await provision(bystander, 'provide');
      await reach(bystander, 'available');

      // A second node caught mid-inspection (its own fake inspect delay): another flow, the same treatment.
      const inspected = (await api.post('/v1/nodes', { driver: 'fake-hardware', name: 'inspected', driver_info: { fake_inspect_delay: 30 } })).body.uuid as string;
      await provision(inspected, 'manage');
      await reach(inspected, 'manageable');
      await provision(inspected, 'inspect');
      assert.equal((await node(inspected)).provision_state, 'inspecting');

      await provision(doomed, 'active');
      const deploying = await node(doomed);
      assert.equal(deploying.provision_state, 'deploying');
      assert.equal(deploying.target_provision_state, 'active');
      assert.equal(deploying.reservation, HOST);

      const death = await ferrite.kill('SIGKILL');
      assert.equal(death.signal, 'SIGKILL');

      // What the crash left in the database: the node still says deploying, locked by a conductor that is gone.
      const store = new Store(openDatabase(parseConnection(db.connection, dir)));
      try {
        const row = await store.nodes.getByUuid(doomed);
        assert.equal(row!.provision_state, 'deploying');
        assert.equal(row!.reservation, HOST);
      } finally {
        await store.close();
      }

      ferrite = new FerriteProcess(['serve', '--config', config]);
      await ferrite.ready(url);

      const recovered = await node(doomed);
      assert.equal(recovered.provision_state, 'deploy failed');
      assert.equal(recovered.target_provision_state, 'active');
      assert.equal(recovered.reservation, null);
      assert.equal(typeof recovered.last_error, 'string');
      assert.ok(recovered.last_error.length > 0, 'last_error explains the failure');

      const history = await api.get(`/v1/nodes/${doomed}/history?detail=true`, { version: '1.78' });
      assert.equal(history.status, 200, history.text);
      assert.ok(history.body.history.length >= 1, 'a history record of the failure');
      const entry = history.body.history.at(-1);
      assert.equal(entry.severity, 'ERROR');
      assert.equal(entry.event, recovered.last_error);
      assert.equal(entry.conductor, HOST);

      const inspectFailed = await node(inspected);
      assert.equal(inspectFailed.provision_state, 'inspect failed');
      assert.equal(inspectFailed.target_provision_state, 'manageable');
      assert.equal(inspectFailed.reservation, null);
      assert.ok(inspectFailed.last_error?.length > 0, 'last_error explains the failure');
      assert.equal((await api.get(`/v1/nodes/${inspected}/history`, { version: '1.78' })).body.history.length, 1);

      const untouched = await node(bystander);
      assert.equal(untouched.provision_state, 'available');
      assert.equal(untouched.reservation, null);
      assert.equal(untouched.last_error, null);
      assert.deepEqual((await api.get(`/v1/nodes/${bystander}/history`, { version: '1.78' })).body.history, []);

      // The node is usable again: this time the deploy is quick and runs to the end.
      const patch = await api.patch(`/v1/nodes/${doomed}`, [{ op: 'add', path: '/driver_info/fake_deploy_delay', value: 0 }]);
      assert.equal(patch.status, 200, patch.text);
      await provision(doomed, 'active');
      const active = await reach(doomed, 'active');
      assert.equal(active.target_provision_state, null);
      assert.equal(active.last_error, null);

      // A polite stop ends the process cleanly.
      assert.deepEqual(await ferrite.kill('SIGTERM'), { code: 0, signal: null });
    }
  });
}
