import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { testDialects } from '../helpers/databases.js';
import { apiClient, faultOf, startTestService, type TestService } from '../helpers/service.js';

/**
 * The accepting side of the rules the Ironic-parity corpus checks from the refusing side: what is valid must
 * still go through (full network_data documents, standard traits, 25 levels of nesting, names from 1.5), and
 * the refusals carry what a client needs (Allow on 405, version headers on framework errors).
 */

const NETWORK_DATA = {
  links: [
    { id: 'eth0', type: 'phy', ethernet_mac_address: '52:54:00:aa:bb:01', mtu: 9000 },
    { id: 'eth1', type: 'phy', ethernet_mac_address: '52:54:00:aa:bb:02' },
    { id: 'bond0', type: 'bond', ethernet_mac_address: '52:54:00:aa:bb:01', bond_mode: '802.1ad', bond_links: ['eth0', 'eth1'] },
    { id: 'vlan100', type: 'vlan', vlan_mac_address: '52:54:00:aa:bb:01', vlan_link: 'bond0', vlan_id: 100 },
  ],
  networks: [
    {
      id: 'provisioning', link: 'vlan100', network_id: 'net-1', type: 'ipv4', ip_address: '192.0.2.10', netmask: '255.255.255.0',
      routes: [{ network: '0.0.0.0', netmask: '0.0.0.0', gateway: '192.0.2.1' }],
    },
    { id: 'v6', link: 'bond0', network_id: 'net-2', type: 'ipv6', ip_address: '2001:db8::10/64' },
    { id: 'dhcp', link: 'eth1', network_id: 'net-3', type: 'ipv4_dhcp' },
  ],
  services: [{ type: 'dns', address: '192.0.2.53' }, { type: 'dns', address: '2001:db8::53' }],
};

function nested(depth: number): unknown {
  let v: unknown = 'bottom';
  for (let i = 0; i < depth; i++) v = { d: v };
  return v;
}

/** A request with a path fetch() would normalise away (it re-encodes bad %-escapes). */
function rawGet(base: string, path: string): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, path, method: 'GET' }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => { body += c; });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

for (const dialect of testDialects()) {
  describe(`input rules on ${dialect}`, () => {
    let svc: TestService;
    let api: ReturnType<typeof apiClient>;
    let node: string;

    before(async () => {
      svc = await startTestService(dialect);
      api = apiClient(svc.url);
      const r = await api.post('/v1/nodes', { driver: 'fake-hardware', name: 'rules-node' });
      assert.equal(r.status, 201, r.text);
      node = r.body.uuid as string;
    });
    after(() => svc.close());

    it('accepts a complete network_data document and gives it back unchanged', async () => {
      const r = await api.patch(`/v1/nodes/${node}`, [{ op: 'add', path: '/network_data', value: NETWORK_DATA }]);
      assert.equal(r.status, 200, r.text);
      assert.deepEqual(r.body.network_data, NETWORK_DATA);
      const removed = await api.patch(`/v1/nodes/${node}`, [{ op: 'remove', path: '/network_data' }]);
      assert.equal(removed.status, 200, removed.text);
      assert.deepEqual(removed.body.network_data, {});
    });

    it('names the first problem of a bad network_data document', async () => {
      const bad = { ...NETWORK_DATA, networks: [{ ...NETWORK_DATA.networks[0], ip_address: '2001:db8::1' }] };
      const r = await api.patch(`/v1/nodes/${node}`, [{ op: 'add', path: '/network_data', value: bad }]);
      assert.equal(r.status, 400, r.text);
      assert.match(faultOf(r.body) ?? '', /network_data\/networks\/0\/ip_address/);
      assert.deepEqual((await api.get(`/v1/nodes/${node}`)).body.network_data, {});
    });

    it('takes standard os-traits names and CUSTOM_ ones, and nothing else', async () => {
      const ok = await api.put(`/v1/nodes/${node}/traits`, { traits: ['HW_CPU_X86_AVX2', 'CUSTOM_GOLD'] });
      assert.equal(ok.status, 204, ok.text);
      assert.deepEqual((await api.get(`/v1/nodes/${node}/traits`)).body.traits.sort(), ['CUSTOM_GOLD', 'HW_CPU_X86_AVX2']);
      for (const trait of ['HW_CPU_X86_NOT_A_THING', 'CUSTOM_lower', 'CUSTOM_']) {
        const r = await api.put(`/v1/nodes/${node}/traits/${trait}`, undefined);
        assert.equal(r.status, 400, `${trait}: ${r.text}`);
      }
      const template = await api.post('/v1/deploy_templates', { name: 'STORAGE_DISK_SSD', steps: [{ interface: 'bios', step: 'apply_configuration', args: {}, priority: 10 }] });
      assert.equal(template.status, 201, template.text);
    });

    it('takes JSON nested 25 levels deep and refuses 26', async () => {
      const ok = await api.patch(`/v1/nodes/${node}`, [{ op: 'add', path: '/extra/deep', value: nested(21) }]);
      assert.equal(ok.status, 200, ok.text); // list → operation → value → 21 levels = 24, plus the bottom string
      const chassis = await api.post('/v1/chassis', { extra: nested(24) }); // body → extra → 24 levels = 25
      assert.equal(chassis.status, 201, chassis.text);
      const deep = await api.post('/v1/chassis', { extra: nested(25) });
      assert.equal(deep.status, 400, deep.text);
      assert.match(faultOf(deep.body) ?? '', /nested deeper than 25/);
    });

    it('finds nodes by name from 1.5 on; before, a name is no node, and an impossible name is a 400', async () => {
      assert.equal((await api.get('/v1/nodes/rules-node', { version: '1.5' })).body.uuid, node);
      const old = await api.get('/v1/nodes/rules-node', { version: '1.4' });
      assert.equal(old.status, 404, old.text);
      const bad = await api.get('/v1/nodes/no%20spaces%20here');
      assert.equal(bad.status, 400, bad.text);
      assert.equal(faultOf(bad.body), 'Expected a logical name or UUID but received no spaces here.');
      const long = await api.get(`/v1/nodes/${'n'.repeat(3000)}`);
      assert.equal(long.status, 400, long.text.slice(0, 200));
    });

    it('answers a method a resource lacks with 405 and the methods it has', async () => {
      const cases: [string, string, string][] = [
        ['PUT', `/v1/nodes/${node}`, 'GET, HEAD, PATCH, DELETE'],
        ['POST', '/v1/drivers', 'GET, HEAD'],
        ['DELETE', '/v1/conductors', 'GET, HEAD'],
        ['PATCH', '/v1', 'GET, HEAD'],
      ];
      for (const [method, path, allow] of cases) {
        const r = await api.call(method, path, method === 'DELETE' ? undefined : {});
        assert.equal(r.status, 405, `${method} ${path}: ${r.text}`);
        assert.equal(r.headers.get('allow'), allow, `${method} ${path}`);
        assert.equal(JSON.parse(r.body.error_message as string).code, 405);
        assert.ok(r.headers.get('x-openstack-ironic-api-maximum-version'), 'version headers');
      }
    });

    it('answers an undecodable URL in Ironic format with the version headers', async () => {
      const r = await rawGet(svc.url, '/v1/nodes/%ZZ');
      assert.equal(r.status, 400, r.body);
      assert.match(faultOf(JSON.parse(r.body)) ?? '', /malformed/);
      assert.ok(r.headers['x-openstack-ironic-api-minimum-version']);
      assert.ok(r.headers['x-openstack-ironic-api-maximum-version']);
    });
  });
}
