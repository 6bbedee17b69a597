import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { testDialects } from '../helpers/databases.js';
import { apiClient, faultOf, startTestService, type TestService } from '../helpers/service.js';

const SLOTS_AT_LATEST = ['bios', 'boot', 'console', 'deploy', 'inspect', 'management', 'network', 'power', 'raid', 'rescue', 'storage', 'vendor'];

for (const dialect of testDialects()) {
  describe(`drivers API on ${dialect}`, () => {
    let svc: TestService;
    let api: ReturnType<typeof apiClient>;

    before(async () => {
      // One hardware type keeps the listings below short; the defaults are covered by the configuration tests.
      svc = await startTestService(dialect, { DEFAULT: { enabled_hardware_types: 'fake-hardware' } });
      api = apiClient(svc.url);
    });
    after(() => svc.close());

    it('lists the hardware types of live conductors with the fields of each version', async () => {
      const v1 = await api.get('/v1/drivers', { version: '1.1' });
      assert.equal(v1.status, 200);
      assert.deepEqual(v1.body, {
        drivers: [{
          name: 'fake-hardware',
          hosts: ['test-conductor'],
          links: [
            { href: `${svc.url}/v1/drivers/fake-hardware`, rel: 'self' },
            { href: `${svc.url}/drivers/fake-hardware`, rel: 'bookmark' },
          ],
        }],
      });
      const v14 = await api.get('/v1/drivers', { version: '1.14' });
      assert.deepEqual(v14.body.drivers[0].properties, [
        { href: `${svc.url}/v1/drivers/fake-hardware/properties`, rel: 'self' },
        { href: `${svc.url}/drivers/fake-hardware/properties`, rel: 'bookmark' },
      ]);
      assert.equal(v14.body.drivers[0].type, undefined, 'type appears at 1.30');
      const v30 = await api.get('/v1/drivers', { version: '1.30' });
      assert.equal(v30.body.drivers[0].type, 'dynamic');
      assert.equal(v30.body.drivers[0].default_boot_interface, undefined, 'interfaces only with detail');
      assert.deepEqual((await api.get('/v1/drivers?type=dynamic')).body.drivers.map((d: { name: string }) => d.name), ['fake-hardware']);
      assert.deepEqual((await api.get('/v1/drivers?type=classic')).body, { drivers: [] }, 'no classic drivers exist any more');
    });

    it('shows default and enabled interfaces per slot with detail, by version', async () => {
      const at30 = (await api.get('/v1/drivers?detail=true', { version: '1.30' })).body.drivers[0];
      assert.equal(at30.default_boot_interface, 'fake');
      assert.deepEqual(at30.enabled_network_interfaces, ['noop']);
      for (const slot of ['storage', 'rescue', 'bios', 'firmware']) {
        assert.equal(at30[`default_${slot}_interface`], undefined, `${slot} is hidden at 1.30`);
        assert.equal(at30[`enabled_${slot}_interfaces`], undefined, `${slot} is hidden at 1.30`);
      }
      assert.equal((await api.get('/v1/drivers?detail=true', { version: '1.33' })).body.drivers[0].default_storage_interface, 'noop');
      assert.equal((await api.get('/v1/drivers?detail=true', { version: '1.38' })).body.drivers[0].default_bios_interface, undefined);
      const latest = (await api.get('/v1/drivers?detail=true')).body.drivers[0];
      for (const slot of SLOTS_AT_LATEST) {
        assert.ok(typeof latest[`default_${slot}_interface`] === 'string', `default_${slot}_interface`);
        assert.ok(Array.isArray(latest[`enabled_${slot}_interfaces`]), `enabled_${slot}_interfaces`);
        assert.ok(latest[`enabled_${slot}_interfaces`].includes(latest[`default_${slot}_interface`]), `${slot} default is enabled`);
      }
      assert.equal(latest.default_firmware_interface, undefined, 'firmware appears at 1.86, above the maximum');
      assert.deepEqual(latest.enabled_bios_interfaces, ['fake', 'no-bios']);
      assert.deepEqual(latest.enabled_power_interfaces, ['fake']);
      assert.equal(latest.default_storage_interface, 'noop');
      const one = await api.get('/v1/drivers/fake-hardware');
      assert.equal(one.status, 200);
      assert.deepEqual(one.body, latest, 'a single driver is always detailed');
      const oldOne = await api.get('/v1/drivers/fake-hardware', { version: '1.1' });
      assert.deepEqual(Object.keys(oldOne.body).sort(), ['hosts', 'links', 'name']);
    });

    it('refuses bad and too new query parameters', async () => {
      const cases: [string, string, number, RegExp?][] = [
        ['/v1/drivers?detail=true', '1.29', 406, /1\.30/],
        ['/v1/drivers?type=dynamic', '1.29', 406],
        ['/v1/drivers?type=bogus', 'latest', 400, /"type" filter must be one of "classic" or "dynamic"/],
        ['/v1/drivers?detail=true&fields=name', 'latest', 400, /Can not specify \?detail=True and fields/],
        ['/v1/drivers?fields=name', '1.76', 406],
        ['/v1/drivers?fields=bogus', 'latest', 400, /Field\(s\) "bogus" are not valid/],
        ['/v1/drivers?fields=default_boot_interface', 'latest', 400],
        ['/v1/drivers?detail=maybe', 'latest', 400],
        ['/v1/drivers?sort_key=name', 'latest', 400, /Unknown argument/],
        ['/v1/drivers/fake-hardware?fields=name', '1.76', 406],
      ];
      for (const [path, version, status, text] of cases) {
        const r = await api.get(path, { version });
        assert.equal(r.status, status, `${path} at ${version}`);
        if (text) assert.match(faultOf(r.body) ?? '', text, path);
      }
    });

    it('selects fields of drivers at 1.77', async () => {
      const list = await api.get('/v1/drivers?fields=name,hosts', { version: '1.77' });
      assert.deepEqual(Object.keys(list.body.drivers[0]).sort(), ['hosts', 'links', 'name']);
      const one = await api.get('/v1/drivers/fake-hardware?fields=default_deploy_interface');
      assert.deepEqual(Object.keys(one.body).sort(), ['default_deploy_interface', 'links']);
      assert.equal(one.body.default_deploy_interface, 'fake');
    });

    it('answers 404 for unknown drivers and gives properties', async () => {
      const missing = await api.get('/v1/drivers/nope');
      assert.equal(missing.status, 404);
      assert.equal(faultOf(missing.body), 'Could not find the following driver(s) or hardware type(s): nope.');
      assert.equal((await api.get('/v1/drivers/nope/properties')).status, 404);
      assert.equal((await api.get('/v1/drivers/nope/raid/logical_disk_properties')).status, 404);
      const props = await api.get('/v1/drivers/fake-hardware/properties', { version: '1.1' });
      assert.equal(props.status, 200);
      assert.deepEqual(props.body, svc.service.conductor.core.registry.properties('fake-hardware'),
        'the driver_info keys of the default interfaces');
    });

    it('describes RAID logical disk properties from 1.12', async () => {
      const old = await api.get('/v1/drivers/fake-hardware/raid/logical_disk_properties', { version: '1.11' });
      assert.equal(old.status, 406);
      const r = await api.get('/v1/drivers/fake-hardware/raid/logical_disk_properties', { version: '1.12' });
      assert.equal(r.status, 200);
      for (const key of ['raid_level', 'size_gb', 'is_root_volume', 'volume_name', 'physical_disks']) {
        assert.equal(typeof r.body[key], 'string', key);
      }
      assert.match(r.body.raid_level, /Required\.$/);
      assert.match(r.body.controller, /Optional\.$/);
    });

    it('names only live conductors as hosts, and lists types only peers serve', async () => {
      const store = svc.service.store;
      const fresh = new Date().toISOString().replace('Z', '+00:00');
      const stale = new Date(Date.now() - 3600_000).toISOString().replace('Z', '+00:00');
      const peer = (hostname: string, online: boolean, seen: string, drivers: string[]) =>
        store.conductors.insert({ hostname, conductor_group: '', online, drivers, created_at: seen, updated_at: seen });
      await peer('peer-alive', true, fresh, ['fake-hardware', 'ipmi']);
      await peer('peer-offline', false, fresh, ['fake-hardware', 'redfish']);
      await peer('peer-stale', true, stale, ['fake-hardware', 'redfish']);
      const list = await api.get('/v1/drivers?detail=true');
      assert.deepEqual(list.body.drivers.map((d: { name: string; hosts: string[] }) => [d.name, d.hosts]), [
        ['fake-hardware', ['peer-alive', 'test-conductor']],
        ['ipmi', ['peer-alive']],
      ]);
      const ipmi = list.body.drivers[1];
      assert.equal(ipmi.type, 'dynamic');
      assert.equal(ipmi.default_power_interface, null, 'interfaces of a type this conductor does not load are unknown here');
      assert.deepEqual(ipmi.enabled_power_interfaces, []);
      assert.equal((await api.get('/v1/drivers/redfish')).status, 404, 'served only by dead conductors');
      assert.deepEqual((await api.get('/v1/drivers/ipmi')).body.hosts, ['peer-alive']);
      assert.equal((await api.get('/v1/drivers/ipmi/properties')).status, 404);
    });
  });

  describe(`drivers API without RAID support on ${dialect}`, () => {
    it('answers 404 for logical disk properties when the RAID interface is no-raid', async () => {
      const svc = await startTestService(dialect, { DEFAULT: { enabled_raid_interfaces: 'no-raid' } });
      try {
        const api = apiClient(svc.url);
        const r = await api.get('/v1/drivers/fake-hardware/raid/logical_disk_properties');
        assert.equal(r.status, 404);
        assert.equal(faultOf(r.body), 'Driver fake-hardware does not support raid (disabled or not implemented).');
        const d = await api.get('/v1/drivers/fake-hardware');
        assert.equal(d.body.default_raid_interface, 'no-raid');
        assert.deepEqual(d.body.enabled_raid_interfaces, ['no-raid']);
      } finally {
        await svc.close();
      }
    });
  });
}
