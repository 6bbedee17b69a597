import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { testDialects } from '../helpers/databases.js';
import { apiClient, startTestService, type TestService } from '../helpers/service.js';

for (const dialect of testDialects()) {
  describe(`quick background actions on ${dialect}`, () => {
    let svc: TestService;
    let api: ReturnType<typeof apiClient>;
    before(async () => {
      svc = await startTestService(dialect);
      api = apiClient(svc.url, '1.52');
    });
    after(() => svc.close());

    it('are finished, lock released, when their 202 arrives, so the next request is not refused', async () => {
      for (let i = 0; i < 10; i++) {
        const { body: n } = await api.post('/v1/nodes', { driver: 'fake-hardware' });
        for (const [verb, state] of [['manage', 'manageable'], ['provide', 'available'], ['active', 'active'], ['deleted', 'available']]) {
          assert.equal((await api.put(`/v1/nodes/${n.uuid}/states/provision`, { target: verb })).status, 202, verb);
          const node = (await api.get(`/v1/nodes/${n.uuid}`)).body;
          assert.equal(node.provision_state, state, verb);
          assert.equal(node.reservation, null, `${verb} released the node`);
        }
        assert.equal((await api.put(`/v1/nodes/${n.uuid}/states/power`, { target: 'power on' })).status, 202);
        const powered = (await api.get(`/v1/nodes/${n.uuid}`)).body;
        assert.equal(powered.power_state, 'power on');
        assert.equal(powered.reservation, null);
      }
    });
  });
}
