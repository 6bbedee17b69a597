import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import bcrypt from 'bcryptjs';
import { testDialects } from '../helpers/databases.js';
import { apiClient, faultOf, startTestService, type TestService } from '../helpers/service.js';

const fixture = (name: string) => readFileSync(join(import.meta.dirname, '../fixtures/enroll', name), 'utf8');

for (const dialect of testDialects()) {
  describe(`POST /ferrite/v1/enroll on ${dialect}`, () => {
    let svc: TestService;
    let api: ReturnType<typeof apiClient>;

    before(async () => {
      svc = await startTestService(dialect);
      api = apiClient(svc.url);
    });
    after(() => svc.close());

    const enroll = (text: string, query = '', type = 'application/json') =>
      api.call('POST', `/ferrite/v1/enroll${query}`, undefined, { raw: text, version: null, headers: { 'Content-Type': type } });
    const counts = async () => {
      const { store } = svc.service;
      return { nodes: await store.nodes.count(), ports: await store.ports.count(), portgroups: await store.portgroups.count() };
    };
    const node = async (ident: string) => (await api.get(`/v1/nodes/${ident}`)).body;
    const portsOf = async (ident: string) => (await api.get(`/v1/nodes/${ident}/ports/detail`)).body.ports as any[];

    it('enrolls an instackenv file: nodes, driver_info under Ironic names (passwords masked), properties, ports', async () => {
      const r = await enroll(fixture('instackenv-valid.json'));
      assert.equal(r.status, 200, r.text);
      assert.equal(r.body.format, 'instackenv');
      assert.deepEqual(r.body.summary, { created: 5, updated: 0, unchanged: 0, error: 0 });
      assert.deepEqual(r.body.nodes.map((n: any) => [n.index, n.name, n.action, n.provision_state]), [
        [0, 'rack1-ipmi-0', 'created', 'enroll'], [1, 'rack1-legacy-1', 'created', 'enroll'],
        [2, 'rack2-redfish-0', 'created', 'enroll'], [3, 'lab-fake-0', 'created', 'enroll'], [4, 'lab-fake-1', 'created', 'enroll'],
      ]);
      assert.match(r.body.nodes[1].warnings[0], /pxe_ipmitool is a legacy name/);

      const ipmi = await node('rack1-ipmi-0');
      assert.equal(ipmi.uuid, r.body.nodes[0].uuid);
      assert.equal(ipmi.driver, 'ipmi');
      assert.equal(ipmi.resource_class, 'baremetal');
      assert.deepEqual(ipmi.driver_info, {
        ipmi_address: '192.0.2.10', ipmi_port: 6230, ipmi_username: 'admin', ipmi_password: '******', ipmi_cipher_suite: '17',
      });
      assert.deepEqual(ipmi.properties, { cpus: 4, memory_mb: 8192, local_gb: 40, cpu_arch: 'x86_64', capabilities: 'boot_mode:uefi,profile:compute' });
      assert.deepEqual((await portsOf('rack1-ipmi-0')).map((p) => p.address), ['52:54:00:aa:00:01']);
      assert.equal((await node('rack1-legacy-1')).driver, 'ipmi');
      assert.deepEqual((await portsOf('rack1-legacy-1')).map((p) => p.address).sort(), ['52:54:00:aa:00:02', '52:54:00:aa:00:03']);
      const redfish = await node('rack2-redfish-0');
      assert.deepEqual(redfish.driver_info, {
        redfish_address: 'https://bmc.example.test:8443', redfish_system_id: '/redfish/v1/Systems/1', redfish_username: 'root',
        redfish_password: '******', redfish_verify_ca: false,
      });
      assert.equal((await node('lab-fake-1')).driver, 'fake-hardware');
      // The secret is stored, only hidden from the API.
      assert.equal((await svc.service.store.nodes.getByName('rack1-ipmi-0'))!.driver_info.ipmi_password, 's3cret-ipmi');
    });

    it('re-running the same file changes nothing; a changed file updates the nodes it matches, never duplicates', async () => {
      const before = await counts();
      const again = await enroll(fixture('instackenv-valid.json'));
      assert.equal(again.status, 200, again.text);
      assert.deepEqual(again.body.summary, { created: 0, updated: 0, unchanged: 5, error: 0 });
      assert.deepEqual(await counts(), before);

      const doc = JSON.parse(fixture('instackenv-valid.json'));
      doc.nodes[0].pm_password = 'rotated';
      doc.nodes[0].memory = '16384';
      doc.nodes[2].name = 'rack2-redfish-renamed'; // found again by its BMC address and system
      doc.nodes[3].name = 'lab-fake-renamed'; // found again by its MAC
      doc.nodes[3].mac.push('52:54:00:aa:00:99');
      const changed = await enroll(JSON.stringify(doc));
      assert.equal(changed.status, 200, changed.text);
      assert.deepEqual(changed.body.summary, { created: 0, updated: 3, unchanged: 2, error: 0 });
      assert.deepEqual(changed.body.nodes[0].changes.sort(), ['driver_info.ipmi_password', 'properties.memory_mb']);
      assert.deepEqual(changed.body.nodes[2].changes, ['name']);
      assert.deepEqual(changed.body.nodes[3].changes, ['name', 'port 52:54:00:aa:00:99 (new)']);
      assert.equal((await svc.service.store.nodes.getByName('rack1-ipmi-0'))!.driver_info.ipmi_password, 'rotated');
      assert.equal((await node('rack1-ipmi-0')).properties.memory_mb, 16384);
      assert.equal((await node('rack2-redfish-renamed')).uuid, again.body.nodes[2].uuid);
      assert.deepEqual(await counts(), { ...before, ports: before.ports + 1 });
    });

    for (const [file, expected] of [
      ['broken-json.json', [[null, 'document']]],
      ['missing-pm-addr.json', [[1, 'pm_addr'], [2, 'pm_addr']]],
      ['duplicate-macs.json', [[1, 'mac[0]'], [2, 'mac[1]']]],
      ['unknown-pm-type.json', [[1, 'pm_type'], [2, 'pm_type']]],
      ['wrong-types.json', [[0, 'pm_addr'], [0, 'pm_port'], [0, 'mac'], [1, 'cpu'], [1, 'memory'], [1, 'mac[0]'], [2, 'node']]],
    ] as const) {
      it(`refuses ${file} with every problem listed, creating nothing`, async () => {
        const before = await counts();
        const r = await enroll(fixture(file));
        assert.equal(r.status, 400, r.text);
        assert.deepEqual(r.body.errors.map((e: any) => [e.index, e.field]), expected);
        for (const e of r.body.errors) assert.equal(typeof e.message, 'string');
        assert.match(faultOf(r.body)!, /^The enrollment file was refused \(\d+ problems?\); nothing was enrolled\./);
        assert.deepEqual(await counts(), before);
      });
    }

    it('refuses a file conflicting with what is enrolled (a MAC of another node), creating nothing', async () => {
      const before = await counts();
      // Found by name, but the MAC is another node's port: which node is meant is unclear, so nothing is done.
      const r = await enroll(JSON.stringify({ nodes: [
        { name: 'fresh-0', pm_type: 'fake-hardware', mac: ['52:54:00:ee:00:01'] },
        { name: 'lab-fake-1', pm_type: 'fake-hardware', mac: ['52:54:00:aa:00:01'] },
      ] }));
      assert.equal(r.status, 400, r.text);
      assert.deepEqual(r.body.errors.map((e: any) => [e.index, e.field]), [[1, 'mac[0]']]);
      assert.match(r.body.errors[0].message, /52:54:00:aa:00:01 is a port of node/);
      assert.deepEqual(await counts(), before);
    });

    it('applies the API field rules to every node and port (bad names, unknown fields) before anything is created', async () => {
      const before = await counts();
      const r = await enroll(JSON.stringify({ nodes: [
        { driver: 'fake-hardware', name: 'has space', ports: [{ address: '52:54:00:ee:01:01', bogus: 1 }] },
        { driver: 'no-such-type', name: 'ok-name' },
      ] }));
      assert.equal(r.status, 400, r.text);
      assert.deepEqual(r.body.errors.map((e: any) => [e.index, e.field]), [[0, 'node'], [0, 'ports[0]'], [1, 'driver']]);
      const r2 = await enroll(JSON.stringify({ nodes: [{ driver: 'no-such-type', name: 'ok-name' }] }));
      assert.deepEqual(r2.body.errors.map((e: any) => [e.index, e.field]), [[0, 'driver']]);
      assert.deepEqual(await counts(), before);
    });

    it('lists the problems of every kind in one answer: file reading, API field rules, conflicts with what is enrolled', async () => {
      const before = await counts();
      const r = await enroll(JSON.stringify({ nodes: [
        { name: 'mixed-0', pm_type: 'ipmi', mac: ['52:54:00:ee:05:01'] },
        { name: 'bad name', pm_type: 'fake-hardware', mac: ['52:54:00:ee:05:02'] },
        { name: 'lab-fake-1', pm_type: 'fake-hardware', mac: ['52:54:00:aa:00:05'] }, // another node's MAC
        { name: 'mixed-3', pm_type: 'fake-hardware', mac: ['52:54:00:ee:05:03'] },
      ] }));
      assert.equal(r.status, 400, r.text);
      assert.deepEqual(r.body.errors.map((e: any) => [e.index, e.field]), [[0, 'pm_addr'], [1, 'node'], [2, 'mac[0]']]);
      assert.deepEqual(await counts(), before);
    });

    it('enrolls Ironic create files (JSON and YAML) with ports, port groups and traits', async () => {
      const before = await counts();
      const json = await enroll(fixture('ironic-create.json'));
      assert.equal(json.status, 200, json.text);
      assert.equal(json.body.format, 'ironic');
      assert.deepEqual(json.body.summary, { created: 2, updated: 0, unchanged: 0, error: 0 });
      const fake = await node('create-fake-0');
      assert.deepEqual(fake.traits, ['CUSTOM_GOLD']);
      assert.equal(fake.resource_class, 'compute');
      const groups = (await api.get('/v1/nodes/create-fake-0/portgroups/detail')).body.portgroups;
      assert.deepEqual(groups.map((g: any) => [g.name, g.mode, g.address]), [['create-fake-0-bond0', '802.3ad', '52:54:00:bb:00:10']]);
      const ports = await portsOf('create-fake-0');
      assert.deepEqual(ports.map((p) => [p.address, p.portgroup_uuid, p.pxe_enabled]).sort(), [
        ['52:54:00:bb:00:01', null, true], ['52:54:00:bb:00:02', groups[0].uuid, false], ['52:54:00:bb:00:03', groups[0].uuid, false],
      ]);
      assert.equal((await node('create-redfish-0')).driver_info.redfish_password, '******');

      const yaml = await enroll(fixture('ironic-create.yaml'), '', 'application/yaml');
      assert.equal(yaml.status, 200, yaml.text);
      assert.deepEqual(yaml.body.summary, { created: 2, updated: 0, unchanged: 0, error: 0 });
      assert.equal((await node('yaml-fake-0')).properties.cpu_arch, 'aarch64');
      assert.equal((await api.get('/v1/nodes/yaml-fake-0/portgroups')).body.portgroups.length, 1);
      assert.deepEqual(await counts(), { nodes: before.nodes + 4, ports: before.ports + 8, portgroups: before.portgroups + 2 });

      for (const [text, type] of [[fixture('ironic-create.json'), 'application/json'], [fixture('ironic-create.yaml'), 'text/plain']]) {
        const again = await enroll(text, '', type);
        assert.deepEqual(again.body.summary, { created: 0, updated: 0, unchanged: 2, error: 0 }, again.text);
      }
      assert.deepEqual(await counts(), { nodes: before.nodes + 4, ports: before.ports + 8, portgroups: before.portgroups + 2 });
    });

    it('dry_run reports what would change and changes nothing', async () => {
      const before = await counts();
      const doc = { nodes: [
        { name: 'dry-new', pm_type: 'fake-hardware', mac: ['52:54:00:ee:02:01'] },
        { name: 'lab-fake-1', pm_type: 'fake', mac: ['52:54:00:aa:00:06'], cpu: 64 },
        { name: 'rack1-legacy-1', pm_type: 'pxe_ipmitool', pm_addr: '192.0.2.11', pm_user: 'admin', pm_password: 's3cret-legacy', mac: ['52:54:00:AA:00:02', '52-54-00-aa-00-03'], cpu: 8, memory: 16384, disk: 100, arch: 'x86_64' },
      ] };
      const r = await enroll(JSON.stringify(doc), '?dry_run=true&manage=true');
      assert.equal(r.status, 200, r.text);
      assert.equal(r.body.dry_run, true);
      assert.deepEqual(r.body.nodes.map((n: any) => [n.action, n.changes]), [
        ['created', []], ['updated', ['properties.cpus']], ['unchanged', []],
      ]);
      assert.equal(r.body.nodes[0].uuid, null);
      assert.equal(r.body.nodes[1].uuid, (await node('lab-fake-1')).uuid);
      assert.deepEqual(await counts(), before);
      assert.equal((await node('lab-fake-1')).provision_state, 'enroll');
      assert.equal((await node('lab-fake-1')).properties.cpus, undefined);
    });

    it('manage and provide move fake-hardware nodes to manageable and available, and report their state', async () => {
      const managed = await enroll(JSON.stringify({ nodes: [
        { name: 'walk-0', pm_type: 'fake-hardware', mac: ['52:54:00:ee:03:01'] },
      ] }), '?manage=true');
      assert.equal(managed.status, 200, managed.text);
      assert.deepEqual(managed.body.nodes.map((n: any) => [n.action, n.provision_state, n.last_error]), [['created', 'manageable', null]]);
      assert.equal((await node('walk-0')).provision_state, 'manageable');

      const provided = await enroll(JSON.stringify({ nodes: [
        { name: 'walk-0', pm_type: 'fake-hardware', mac: ['52:54:00:ee:03:01'] },
        { name: 'walk-1', pm_type: 'fake-hardware', mac: ['52:54:00:ee:03:02'] },
      ] }), '?provide=true');
      assert.equal(provided.status, 200, provided.text);
      assert.deepEqual(provided.body.nodes.map((n: any) => [n.action, n.provision_state]), [['unchanged', 'available'], ['created', 'available']]);
      assert.equal((await node('walk-1')).provision_state, 'available');
    });

    it('streams progress lines before the result when asked for NDJSON', async () => {
      const nodes = Array.from({ length: 3 }, (_, i) => ({ name: `stream-${i}`, pm_type: 'fake-hardware', mac: [`52:54:00:ee:04:0${i}`] }));
      const res = await fetch(`${svc.url}/ferrite/v1/enroll`, {
        method: 'POST', body: JSON.stringify({ nodes }), headers: { 'Content-Type': 'application/json', Accept: 'application/x-ndjson' },
      });
      assert.equal(res.status, 200);
      const lines = (await res.text()).trim().split('\n').map((l) => JSON.parse(l));
      assert.deepEqual(lines.filter((l) => l.event === 'progress').map((l) => l.done), [0, 1, 2, 3]);
      assert.deepEqual(lines.at(-1).summary, { created: 3, updated: 0, unchanged: 0, error: 0 });
    });

    it('refuses unknown options and body types in Ironic\'s error format', async () => {
      const r = await enroll(fixture('ironic-create.json'), '?bogus=1');
      assert.equal(r.status, 400);
      assert.match(faultOf(r.body)!, /Unknown argument: "bogus"/);
      const t = await enroll('<nodes/>', '', 'application/xml');
      assert.equal(t.status, 415);
      assert.match(faultOf(t.body)!, /Unsupported Content-Type application\/xml/);
      const e = await enroll('', '', 'application/json');
      assert.equal(e.status, 400);
      assert.deepEqual(e.body.errors.map((x: any) => x.field), ['document']);
    });
  });
}

describe('POST /ferrite/v1/enroll with http_basic', () => {
  let svc: TestService;
  let dir: string;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ferrite-enroll-auth-'));
    const htpasswd = join(dir, 'htpasswd');
    writeFileSync(htpasswd, `admin:${bcrypt.hashSync('pw', 5)}\n`);
    svc = await startTestService('sqlite', { DEFAULT: { auth_strategy: 'http_basic', http_basic_auth_user_file: htpasswd } });
  });
  after(async () => {
    await svc.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('requires credentials', async () => {
    const body = fixture('ironic-create.json');
    const anon = await fetch(`${svc.url}/ferrite/v1/enroll`, { method: 'POST', body, headers: { 'Content-Type': 'application/json' } });
    assert.equal(anon.status, 401);
    const authed = await fetch(`${svc.url}/ferrite/v1/enroll?dry_run=true`, {
      method: 'POST', body, headers: { 'Content-Type': 'application/json', Authorization: `Basic ${Buffer.from('admin:pw').toString('base64')}` },
    });
    assert.equal(authed.status, 200, await authed.text());
  });
});
