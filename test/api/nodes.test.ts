import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { testDialects } from '../helpers/databases.js';
import { apiClient, faultOf, startTestService, waitFor, type TestService } from '../helpers/service.js';

for (const dialect of testDialects()) {
  describe(`nodes API on ${dialect}`, () => {
    let svc: TestService;
    let api: ReturnType<typeof apiClient>;

    before(async () => {
      svc = await startTestService(dialect);
      api = apiClient(svc.url);
    });
    after(() => svc.close());

    it('negotiates microversions like Ironic', async () => {
      const none = await api.get('/v1', { version: null });
      assert.equal(none.status, 200);
      assert.equal(none.headers.get('x-openstack-ironic-api-version'), '1.1');
      assert.equal(none.headers.get('x-openstack-ironic-api-minimum-version'), '1.1');
      assert.equal(none.headers.get('x-openstack-ironic-api-maximum-version'), '1.82');
      assert.match(none.headers.get('openstack-request-id') ?? '', /^req-[0-9a-f-]{36}$/);
      const latest = await api.get('/v1', { version: 'latest' });
      assert.equal(latest.headers.get('x-openstack-ironic-api-version'), '1.82');
      assert.ok(latest.body.allocations, 'resources of newer versions are listed at latest');
      assert.equal(none.body.allocations, undefined, '... and hidden at 1.1');
      const modern = await api.call('GET', '/v1', undefined, { version: null, headers: { 'OpenStack-API-Version': 'baremetal 1.50' } });
      assert.equal(modern.headers.get('x-openstack-ironic-api-version'), '1.50');
      for (const [v, text] of [['1.83', /minor version is not supported/], ['2.1', /Mutually exclusive versions/], ['abc', /Invalid value/]] as const) {
        const r = await api.get('/v1/nodes', { version: v });
        assert.equal(r.status, 406);
        assert.match(faultOf(r.body) ?? '', text);
        assert.equal(r.headers.get('x-openstack-ironic-api-maximum-version'), '1.82');
      }
    });

    it('creates nodes with the defaults of the requested version', async () => {
      const old = await api.post('/v1/nodes', { driver: 'fake-hardware' }, { version: '1.10' });
      assert.equal(old.status, 201);
      assert.equal(old.body.provision_state, 'available', 'before 1.11 nodes start available');
      assert.equal(old.body.deploy_interface, undefined, 'interface fields appear at 1.31');
      const cur = await api.post('/v1/nodes', { driver: 'fake-hardware', name: 'nodes-api-1', driver_info: { ipmi_password: 's3cret', user: 'admin' } });
      assert.equal(cur.status, 201);
      assert.equal(cur.headers.get('location'), `${svc.url}/v1/nodes/${cur.body.uuid}`);
      assert.equal(cur.body.provision_state, 'enroll');
      assert.equal(cur.body.power_state, null);
      assert.equal(cur.body.deploy_interface, 'fake');
      assert.equal(cur.body.network_interface, 'noop');
      assert.equal(cur.body.conductor, 'test-conductor');
      assert.deepEqual(cur.body.driver_info, { ipmi_password: '******', user: 'admin' }, 'secrets are masked');
      assert.deepEqual(cur.body.links, [
        { href: `${svc.url}/v1/nodes/${cur.body.uuid}`, rel: 'self' },
        { href: `${svc.url}/nodes/${cur.body.uuid}`, rel: 'bookmark' },
      ]);
      const byName = await api.get('/v1/nodes/nodes-api-1');
      assert.equal(byName.body.uuid, cur.body.uuid);
      const dup = await api.post('/v1/nodes', { driver: 'fake-hardware', name: 'nodes-api-1' });
      assert.equal(dup.status, 409);
      assert.equal(faultOf(dup.body), 'A node with name nodes-api-1 already exists.');
      const newer = await api.post('/v1/nodes', { driver: 'fake-hardware', resource_class: 'x' }, { version: '1.20' });
      assert.equal(newer.status, 406, 'a field newer than the version is 406');
      const badDriver = await api.post('/v1/nodes', { driver: 'nope' });
      assert.equal(badDriver.status, 400);
      assert.match(faultOf(badDriver.body) ?? '', /No valid host was found/);
    });

    it('lists, filters, selects fields and paginates with next links', async () => {
      for (let i = 0; i < 5; i++) {
        const r = await api.post('/v1/nodes', { driver: 'fake-hardware', name: `page-${i}`, resource_class: 'paging', owner: i % 2 ? 'odd' : 'even' });
        assert.equal(r.status, 201);
      }
      const all = await api.get('/v1/nodes?resource_class=paging');
      assert.equal(all.body.nodes.length, 5);
      assert.deepEqual(Object.keys(all.body.nodes[0]).sort(), ['instance_uuid', 'links', 'maintenance', 'name', 'power_state', 'provision_state', 'uuid']);
      assert.equal(all.body.next, undefined);
      const page = await api.get('/v1/nodes?resource_class=paging&limit=2&sort_key=name&sort_dir=desc');
      assert.deepEqual(page.body.nodes.map((n: { name: string }) => n.name), ['page-4', 'page-3']);
      const next = new URL(page.body.next as string);
      assert.equal(next.searchParams.get('marker'), page.body.nodes[1].uuid);
      assert.equal(next.searchParams.get('resource_class'), 'paging');
      const page2 = await api.get(next.pathname + next.search);
      assert.deepEqual(page2.body.nodes.map((n: { name: string }) => n.name), ['page-2', 'page-1']);
      const owned = await api.get('/v1/nodes?owner=odd&fields=name,owner');
      assert.deepEqual(owned.body.nodes.map((n: { name: string; owner: string }) => [n.name, n.owner, Object.keys(n).sort().join()]),
        [['page-1', 'odd', 'links,name,owner'], ['page-3', 'odd', 'links,name,owner']]);
      const detail = await api.get('/v1/nodes?resource_class=paging&detail=true&limit=1');
      assert.ok('driver_info' in detail.body.nodes[0]);
      const both = await api.get('/v1/nodes?detail=true&fields=name');
      assert.equal(both.status, 400);
      assert.equal((await api.get('/v1/nodes?sort_key=driver_info')).status, 400);
      assert.equal((await api.get('/v1/nodes?limit=0')).status, 400);
      assert.equal((await api.get('/v1/nodes?fields=bogus')).status, 400);
      assert.equal((await api.get('/v1/nodes?fields=shard', { version: '1.81' })).status, 406);
    });

    it('patches only patchable fields and keeps state rules', async () => {
      const { body: node } = await api.post('/v1/nodes', { driver: 'fake-hardware', name: 'patch-me' });
      const ok = await api.patch(`/v1/nodes/${node.uuid}`, [
        { op: 'add', path: '/extra/team', value: 'infra' },
        { op: 'replace', path: '/description', value: 'rack 3' },
        { op: 'add', path: '/properties/cpus', value: 8 },
        { op: 'replace', path: '/console_interface', value: 'no-console' },
      ]);
      assert.equal(ok.status, 200);
      assert.deepEqual(ok.body.extra, { team: 'infra' });
      assert.equal(ok.body.console_interface, 'no-console');
      const reset = await api.patch(`/v1/nodes/${node.uuid}`, [{ op: 'remove', path: '/console_interface' }]);
      assert.equal(reset.body.console_interface, 'fake', 'removing an interface restores the default');
      for (const path of ['/provision_state', '/power_state', '/reservation', '/traits', '/last_error']) {
        const r = await api.patch(`/v1/nodes/${node.uuid}`, [{ op: 'replace', path, value: 'x' }]);
        assert.equal(r.status, 400, path);
      }
      const rm = await api.patch(`/v1/nodes/${node.uuid}`, [{ op: 'remove', path: '/driver' }]);
      assert.equal(rm.status, 400);
      const badIface = await api.patch(`/v1/nodes/${node.uuid}`, [{ op: 'replace', path: '/deploy_interface', value: 'ramdisk' }]);
      assert.equal(badIface.status, 400);
      const after = await api.get(`/v1/nodes/${node.uuid}`);
      assert.equal(after.body.description, 'rack 3');
      assert.equal(after.body.deploy_interface, 'fake');
    });

    it('runs the fake lifecycle and reports states, power and boot device', async () => {
      const { body: node } = await api.post('/v1/nodes', { driver: 'fake-hardware', name: 'life-1' });
      const prov = async (target: string, state: string) => {
        const r = await api.put(`/v1/nodes/${node.uuid}/states/provision`, { target });
        assert.equal(r.status, 202, `${target}: ${r.text}`);
        assert.equal(r.headers.get('location'), `${svc.url}/v1/nodes/${node.uuid}/states`);
        await waitFor(async () => ((await api.get(`/v1/nodes/${node.uuid}`)).body.provision_state === state ? true : undefined), 5000, state);
      };
      await prov('manage', 'manageable');
      await prov('provide', 'available');
      await prov('active', 'active');
      const power = await api.put(`/v1/nodes/${node.uuid}/states/power`, { target: 'power on' });
      assert.equal(power.status, 202);
      await waitFor(async () => ((await api.get(`/v1/nodes/${node.uuid}/states`)).body.power_state === 'power on' ? true : undefined));
      const states = await api.get(`/v1/nodes/${node.uuid}/states`);
      assert.equal(states.body.target_power_state, null);
      assert.equal(states.body.provision_state, 'active');
      assert.equal((await api.put(`/v1/nodes/${node.uuid}/management/boot_device`, { boot_device: 'cdrom', persistent: true })).status, 204);
      assert.deepEqual((await api.get(`/v1/nodes/${node.uuid}/management/boot_device`)).body, { boot_device: 'cdrom', persistent: true });
      const del = await api.delete(`/v1/nodes/${node.uuid}`);
      assert.equal(del.status, 409, 'an active node cannot be deleted');
      await prov('deleted', 'available');
      assert.equal((await api.delete(`/v1/nodes/${node.uuid}`)).status, 204);
      assert.equal((await api.get(`/v1/nodes/${node.uuid}`)).status, 404);
    });

    it('validates interfaces, sets maintenance and traits', async () => {
      const { body: node } = await api.post('/v1/nodes', { driver: 'fake-hardware', name: 'misc-1', console_interface: 'no-console' });
      const v = await api.get(`/v1/nodes/${node.uuid}/validate`);
      assert.deepEqual(v.body.power, { result: true });
      assert.equal(v.body.vendor, undefined, 'vendor is validated per passthru method');
      assert.equal(v.body.firmware, undefined, 'firmware appears at 1.86');
      assert.equal(v.body.console.result, false);
      assert.equal((await api.put(`/v1/nodes/${node.uuid}/maintenance`, { reason: 'disk swap' })).status, 202);
      const m = await api.get(`/v1/nodes/${node.uuid}`);
      assert.equal(m.body.maintenance, true);
      assert.equal(m.body.maintenance_reason, 'disk swap');
      assert.equal((await api.delete(`/v1/nodes/${node.uuid}/maintenance`)).status, 202);
      assert.equal((await api.get(`/v1/nodes/${node.uuid}`)).body.maintenance_reason, null);
      assert.equal((await api.put(`/v1/nodes/${node.uuid}/traits`, { traits: ['CUSTOM_B', 'CUSTOM_A'] })).status, 204);
      assert.equal((await api.put(`/v1/nodes/${node.uuid}/traits/CUSTOM_C`, undefined)).status, 204);
      assert.deepEqual((await api.get(`/v1/nodes/${node.uuid}/traits`)).body, { traits: ['CUSTOM_A', 'CUSTOM_B', 'CUSTOM_C'] });
      assert.equal((await api.put(`/v1/nodes/${node.uuid}/traits/lower_case`, undefined)).status, 400);
      assert.equal((await api.delete(`/v1/nodes/${node.uuid}/traits/CUSTOM_X`)).status, 404);
      assert.equal((await api.get(`/v1/nodes/${node.uuid}/traits`, { version: '1.36' })).status, 406, 'as Ironic answers');
    });
  });
}
