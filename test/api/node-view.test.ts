import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { testDialects } from '../helpers/databases.js';
import { apiClient, startTestService, type TestService } from '../helpers/service.js';
import { nodeDetailFields, nodeTableJson, nodeView, type NodeViewContext } from '../../src/api/views/node-view.js';

// Lists are written straight from stored rows; single nodes from decoded records. Both must give the same document.
for (const dialect of testDialects()) {
  describe(`node documents from stored rows on ${dialect}`, () => {
    let svc: TestService;
    before(async () => {
      svc = await startTestService(dialect);
      const api = apiClient(svc.url);
      const bodies = [
        { driver: 'fake-hardware', name: 'plain' },
        { driver: 'fake-hardware', name: 'secretive', driver_info: { ipmi_password: 'p', nested: { auth_token: 't' }, user: 'u' },
          instance_info: { image_url: 'http://user:pw@x/img', root_gb: 10 }, properties: { cpus: '4', 'odd "key"': 'ü\n' } },
        { driver: 'fake-hardware', maintenance: true, maintenance_reason: 'x', automated_clean: false, description: 'd' },
      ];
      for (const b of bodies) assert.equal((await api.post('/v1/nodes', b)).status, 201);
    });
    after(() => svc.close());

    for (const minor of [1, 31, 82]) {
      it(`matches at 1.${minor}`, async () => {
        const store = svc.service.store;
        const ctx: NodeViewContext = { minor, base: 'http://h:1', conductorOf: (n) => `${n.driver}@${n.conductor_group}` };
        const fields = nodeDetailFields(minor);
        const fromRows = nodeTableJson(await store.nodes.listTable({}), ctx, fields).map((s) => JSON.parse(s) as unknown);
        const fromRecords = (await store.nodes.list({})).map((n) => nodeView(n, ctx, fields));
        assert.deepEqual(fromRows, JSON.parse(JSON.stringify(fromRecords)));
        const secretive = fromRows.find((n: any) => n.name === 'secretive') as any;
        if (minor >= 5) {
          assert.deepEqual(secretive.driver_info, { ipmi_password: '******', nested: { auth_token: '******' }, user: 'u' });
          assert.equal(secretive.instance_info.image_url, '******');
        }
      });
    }
  });
}

describe('node documents from an empty table', () => {
  it('are an empty list even when the driver reports no columns', () => {
    const ctx: NodeViewContext = { minor: 82, base: 'http://h', conductorOf: () => null };
    assert.deepEqual(nodeTableJson({ columns: [], rows: [] }, ctx, nodeDetailFields(82)), []);
  });
});
