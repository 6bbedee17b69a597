import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { testDialects } from '../helpers/databases.js';
import { apiClient, faultOf, startTestService, waitFor, type TestService } from '../helpers/service.js';

for (const dialect of testDialects()) {
  describe(`50 simultaneous provision requests on one node on ${dialect}`, () => {
    let svc: TestService;
    let api: ReturnType<typeof apiClient>;
    before(async () => {
      // The deploy takes a while, so the winner still holds the node when the others arrive.
      svc = await startTestService(dialect, { fake: { deploy_delay: '1.5' }, conductor: { quick_action_wait: '0' } });
      api = apiClient(svc.url, '1.82');
    });
    after(() => svc.close());

    it('accepts exactly one and answers the others 409 NodeLocked', async () => {
      const { body: node } = await api.post('/v1/nodes', { driver: 'fake-hardware', name: 'contended' });
      for (const [verb, state] of [['manage', 'manageable'], ['provide', 'available']]) {
        await api.put(`/v1/nodes/${node.uuid}/states/provision`, { target: verb });
        await waitFor(async () => ((await api.get(`/v1/nodes/${node.uuid}`)).body.provision_state === state ? true : undefined), 10_000);
      }
      const responses = await Promise.all(Array.from({ length: 50 }, () => api.put(`/v1/nodes/${node.uuid}/states/provision`, { target: 'active' })));
      const statuses = responses.map((r) => r.status);
      assert.equal(statuses.filter((s) => s === 202).length, 1, `statuses: ${statuses.join(',')}`);
      assert.equal(statuses.filter((s) => s === 409).length, 49, `statuses: ${statuses.join(',')}`);
      for (const r of responses.filter((x) => x.status === 409)) {
        assert.match(faultOf(r.body)!, new RegExp(`Node ${node.uuid} is locked by host test-conductor, please retry`));
      }
      const during = (await api.get(`/v1/nodes/${node.uuid}`)).body;
      assert.equal(during.provision_state, 'deploying');
      assert.equal(during.reservation, 'test-conductor');
      const done = await waitFor(async () => {
        const n = (await api.get(`/v1/nodes/${node.uuid}`)).body;
        return n.provision_state === 'active' ? n : undefined;
      }, 15_000, 'active');
      assert.equal(done.target_provision_state, null);
      assert.equal(done.reservation, null);
      assert.equal(done.last_error, null);
    });
  });
}
