import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { testDialects } from '../helpers/databases.js';
import { apiClient, startTestService, type TestService } from '../helpers/service.js';
import { recoverOrphans } from '../../src/conductor/periodic/recovery.js';
import { checkWaitTimeouts } from '../../src/conductor/periodic/timeouts.js';
import { syncPowerStates } from '../../src/conductor/periodic/power-sync.js';

for (const dialect of testDialects()) {
  describe(`conductor periodic tasks on ${dialect}`, () => {
    let svc: TestService;
    let api: ReturnType<typeof apiClient>;

    before(async () => {
      svc = await startTestService(dialect, { conductor: { deploy_callback_timeout: '60', heartbeat_timeout: '30' } });
      api = apiClient(svc.url);
    });
    after(() => svc.close());

    const create = async (name: string) => (await api.post('/v1/nodes', { driver: 'fake-hardware', name })).body.uuid as string;

    it('fails a node that waited for its callback longer than the timeout, and only that one', async () => {
      const store = svc.service.store;
      const late = await store.nodes.getByUuid(await create('wait-late'));
      const fresh = await store.nodes.getByUuid(await create('wait-fresh'));
      const old = new Date(Date.now() - 120_000).toISOString().replace('Z', '+00:00');
      await store.nodes.update(late!.id, {
        provision_state: 'wait call-back', target_provision_state: 'active', provision_updated_at: old,
        deploy_step: { interface: 'deploy', step: 'write_image', priority: 80, args: {} },
      });
      await store.nodes.update(fresh!.id, { provision_state: 'wait call-back', target_provision_state: 'active', provision_updated_at: new Date().toISOString() });
      assert.equal(await checkWaitTimeouts(svc.service.conductor.core), 1);
      const failed = (await api.get(`/v1/nodes/${late!.uuid}`)).body;
      assert.equal(failed.provision_state, 'deploy failed');
      assert.match(failed.last_error, /Timeout reached while waiting for callback/);
      assert.equal(failed.reservation, null);
      assert.deepEqual(failed.deploy_step, {}, 'the step waited on is cleared, as Ironic does');
      assert.equal((await api.get(`/v1/nodes/${fresh!.uuid}`)).body.provision_state, 'wait call-back');
      const history = (await api.get(`/v1/nodes/${late!.uuid}/history?detail=true`)).body.history;
      assert.equal(history.length, 1);
      assert.equal(history[0].severity, 'ERROR');
    });

    it('takes over the nodes of a dead conductor: reservation dropped, working state failed', async () => {
      const store = svc.service.store;
      const node = await store.nodes.getByUuid(await create('orphan-1'));
      await store.conductors.register('dead-conductor', '', ['fake-hardware'], '2020-01-01T00:00:00+00:00');
      await store.nodes.update(node!.id, { provision_state: 'cleaning', target_provision_state: 'available', reservation: 'dead-conductor' });
      const busy = await api.put(`/v1/nodes/${node!.uuid}/states/provision`, { target: 'manage' });
      assert.equal(busy.status, 409, 'a reserved node refuses actions');
      await recoverOrphans(svc.service.conductor.core, ['dead-conductor']);
      const after = (await api.get(`/v1/nodes/${node!.uuid}`)).body;
      assert.equal(after.reservation, null);
      assert.equal(after.provision_state, 'clean failed');
      assert.match(after.last_error, /took over node/);
    });

    it('power sync lifts a power-failure maintenance once the BMC answers, and leaves unknown power alone', async () => {
      const store = svc.service.store;
      const node = await store.nodes.getByUuid(await create('power-fault'));
      await store.nodes.update(node!.id, { power_state: 'power on', maintenance: true, fault: 'power failure', maintenance_reason: 'BMC gone' });
      const unknown = await create('power-unknown');
      const result = await syncPowerStates(svc.service.conductor.core);
      assert.ok(result.checked >= 2);
      const healed = (await api.get(`/v1/nodes/${node!.uuid}`)).body;
      assert.equal(healed.maintenance, false);
      assert.equal(healed.fault, null);
      assert.equal(healed.power_state, 'power on');
      assert.equal((await api.get(`/v1/nodes/${unknown}`)).body.power_state, null);
    });
  });
}
