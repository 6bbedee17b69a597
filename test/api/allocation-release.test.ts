import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { testDialects } from '../helpers/databases.js';
import { apiClient, startTestService, waitFor, type TestService } from '../helpers/service.js';

for (const dialect of testDialects()) {
  describe(`allocations are released with their instance on ${dialect}`, () => {
    let svc: TestService;
    let api: ReturnType<typeof apiClient>;
    before(async () => {
      svc = await startTestService(dialect);
      api = apiClient(svc.url);
    });
    after(() => svc.close());

    async function allocatedNode(rc: string) {
      const { body: node } = await api.post('/v1/nodes', { driver: 'fake-hardware', resource_class: rc });
      for (const [verb, state] of [['manage', 'manageable'], ['provide', 'available']]) {
        await api.put(`/v1/nodes/${node.uuid}/states/provision`, { target: verb });
        await waitFor(async () => {
          const n = (await api.get(`/v1/nodes/${node.uuid}`)).body;
          return n.provision_state === state && n.reservation === null ? true : undefined;
        });
      }
      const { body: alloc } = await api.post('/v1/allocations', { resource_class: rc });
      const done = await waitFor(async () => {
        const a = (await api.get(`/v1/allocations/${alloc.uuid}`)).body;
        return a.state === 'allocating' ? undefined : a;
      });
      assert.equal(done.state, 'active');
      assert.equal(done.node_uuid, node.uuid);
      // The allocating worker may hold the node a moment longer; a PATCH then would rightly get NodeLocked.
      await waitFor(async () => ((await api.get(`/v1/nodes/${node.uuid}`)).body.reservation === null ? true : undefined));
      return { node: node.uuid as string, alloc: alloc.uuid as string };
    }

    it('undeploying a node deletes its allocation so it can be allocated again', async () => {
      const { node, alloc } = await allocatedNode('release-undeploy');
      await api.put(`/v1/nodes/${node}/states/provision`, { target: 'active' });
      await waitFor(async () => ((await api.get(`/v1/nodes/${node}`)).body.provision_state === 'active' ? true : undefined));
      await api.put(`/v1/nodes/${node}/states/provision`, { target: 'deleted' });
      const after = await waitFor(async () => {
        const n = (await api.get(`/v1/nodes/${node}`)).body;
        return n.provision_state === 'available' ? n : undefined;
      });
      assert.equal(after.allocation_uuid, null);
      assert.equal(after.instance_uuid, null);
      assert.equal((await api.get(`/v1/allocations/${alloc}`)).status, 404);
      await allocatedNode('release-undeploy-again').catch(() => undefined);
      const again = await api.post('/v1/allocations', { resource_class: 'release-undeploy' });
      const state = await waitFor(async () => {
        const a = (await api.get(`/v1/allocations/${again.body.uuid}`)).body;
        return a.state === 'allocating' ? undefined : a.state;
      });
      assert.equal(state, 'active');
    });

    it('removing instance_uuid of an available node releases its allocation', async () => {
      const { node, alloc } = await allocatedNode('release-patch');
      const r = await api.patch(`/v1/nodes/${node}`, [{ op: 'remove', path: '/instance_uuid' }]);
      assert.equal(r.status, 200);
      assert.equal(r.body.allocation_uuid, null);
      assert.equal((await api.get(`/v1/allocations/${alloc}`)).status, 404);
    });
  });
}
