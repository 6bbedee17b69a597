import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLab, type Lab } from '../../src/lab/index.js';
import { syncPowerStates } from '../../src/conductor/periodic/power-sync.js';
import { testDialects } from '../helpers/databases.js';
import { apiClient, startTestService, waitFor, type TestService } from '../helpers/service.js';
import { nodeActions } from '../helpers/node-actions.js';

/*
 * The redfish hardware type end to end: Ferrite's API and conductor drive the lab's emulated BMCs over HTTPS
 * verified with the lab's CA, and every effect is checked on the lab's side, not only in Ferrite's view.
 */

const REDFISH_INI = {
  redfish: { connection_attempts: '2', connection_retry_interval: '0.05', request_timeout: '1.5', max_retry_after: '0.2' },
  conductor: { power_state_change_timeout: '5', soft_power_off_timeout: '2', power_state_sync_max_retries: '1' },
};

for (const dialect of testDialects()) {
  describe(`redfish hardware type against the lab on ${dialect}`, () => {
    let lab: Lab;
    let svc: TestService;
    let api: ReturnType<typeof apiClient>;
    let labDir: string;

    const labState = (i: number) => lab.server(lab.servers[i].id);
    const driverInfo = (i: number, extra: Record<string, unknown> = {}) => ({
      redfish_address: lab.url, redfish_system_id: lab.servers[i].systemPath, redfish_username: 'admin',
      redfish_password: 'password', redfish_verify_ca: lab.caPath, ...extra,
    });

    async function enroll(i: number, extra: Record<string, unknown> = {}, name?: string) {
      const res = await api.post('/v1/nodes', { driver: 'redfish', name: name ?? `rf-${i}-${Date.now() % 100000}`, driver_info: driverInfo(i, extra) });
      assert.equal(res.status, 201, res.text);
      return res.body.uuid as string;
    }
    const { settled, provision, power } = nodeActions(() => api);
    async function setFaults(i: number, faults: Record<string, unknown> | null) {
      const url = `${lab.url}/lab/servers/${lab.servers[i].id}/faults`;
      const res = await labFetch(url, faults === null ? 'DELETE' : 'PUT', faults ?? undefined);
      assert.ok(res.status === 200 || res.status === 204, `lab faults: ${res.status}`);
    }
    async function setOs(i: number, state: 'running' | 'off') {
      const res = await labFetch(`${lab.url}/lab/servers/${lab.servers[i].id}/os`, 'POST', { state });
      assert.ok(res.status < 300, `lab os: ${res.status}`);
    }
    async function labFetch(url: string, method: string, body?: unknown) {
      const https = await import('node:https');
      const { readFileSync } = await import('node:fs');
      const ca = readFileSync(lab.caPath);
      return new Promise<{ status: number }>((resolve, reject) => {
        const req = https.request(url, { method, ca, headers: { 'Content-Type': 'application/json' } }, (res) => {
          res.resume();
          res.on('end', () => resolve({ status: res.statusCode ?? 0 }));
        });
        req.on('error', reject);
        req.end(body === undefined ? undefined : JSON.stringify(body));
      });
    }

    before(async () => {
      labDir = mkdtempSync(join(tmpdir(), 'ferrite-lab-e2e-'));
      lab = await startLab({ dir: labDir, servers: 6, port: 0, powerDelayMs: 60, bootDelayMs: 60 });
      svc = await startTestService(dialect, REDFISH_INI);
      api = apiClient(svc.url);
    });
    after(async () => {
      await svc?.close();
      await lab?.close();
      rmSync(labDir, { recursive: true, force: true });
    });

    it('verifies on manage, inspects the inventory and enrolls a port per NIC', async () => {
      const uuid = await enroll(0);
      const managed = await provision(uuid, 'manage');
      assert.equal(managed.provision_state, 'manageable', managed.last_error);
      assert.equal(managed.power_state, labState(0).power === 'on' ? 'power on' : 'power off');

      const inspected = await provision(uuid, 'inspect');
      assert.equal(inspected.provision_state, 'manageable', inspected.last_error);
      assert.equal(inspected.last_error, null);
      const props = inspected.properties;
      assert.equal(props.cpu_arch, 'x86_64');
      assert.ok(Number.isInteger(props.cpus) && props.cpus > 0, `cpus ${props.cpus}`);
      assert.ok(Number.isInteger(props.memory_mb) && props.memory_mb >= 1024, `memory_mb ${props.memory_mb}`);
      assert.ok(Number.isInteger(props.local_gb) && props.local_gb > 0, `local_gb ${props.local_gb}`);
      // The lab's enrollment file describes each server as inspection finds it.
      const described = (JSON.parse(readFileSync(join(labDir, 'nodes.json'), 'utf8')) as { nodes: { pm_system_id: string; cpu: string; memory: string }[] })
        .nodes.find((n) => n.pm_system_id === lab.servers[0].systemPath)!;
      assert.deepEqual([props.cpus, props.memory_mb], [Number(described.cpu), Number(described.memory)]);
      const ports = (await api.get(`/v1/ports?node=${uuid}&fields=address`)).body.ports.map((p: { address: string }) => p.address).sort();
      assert.deepEqual(ports, [...lab.servers[0].macs].map((m) => m.toLowerCase()).sort());

      // A second inspection finds the same NICs and adds nothing.
      await provision(uuid, 'inspect');
      assert.equal((await api.get(`/v1/ports?node=${uuid}`)).body.ports.length, lab.servers[0].macs.length);
    });

    it('powers on, off and reboots the lab server, waiting for the BMC to get there', async () => {
      const uuid = await enroll(1);
      await provision(uuid, 'manage');
      let node = await power(uuid, 'power on');
      assert.equal(node.power_state, 'power on', node.last_error);
      assert.equal(labState(1).power, 'on');

      node = await power(uuid, 'power off');
      assert.equal(node.power_state, 'power off', node.last_error);
      assert.equal(labState(1).power, 'off');

      await power(uuid, 'power on');
      const bootsBefore = labState(1).bootRecord.length;
      node = await power(uuid, 'rebooting');
      assert.equal(node.power_state, 'power on', node.last_error);
      assert.equal(labState(1).power, 'on');
      assert.equal(labState(1).bootRecord.length, bootsBefore + 1, 'a reboot boots the server once more');
      const resets = labState(1).resets.map((r) => r.type).slice(-2);
      assert.deepEqual(resets, ['ForceOff', 'On']);
    });

    it('soft power off works when the OS runs and times out with a clear error when it does not', async () => {
      const uuid = await enroll(2);
      await provision(uuid, 'manage');
      await power(uuid, 'power on');
      await setOs(2, 'off');
      let node = await power(uuid, 'soft power off', 1);
      assert.equal(node.power_state, 'power on');
      assert.match(node.last_error, /Timed out after 1 s waiting for node .* to reach power state 'power off'/);
      assert.equal(labState(2).power, 'on');

      await setOs(2, 'running');
      node = await power(uuid, 'soft power off');
      assert.equal(node.power_state, 'power off', node.last_error);
      assert.equal(node.last_error, null);
      assert.equal(labState(2).power, 'off');
      assert.equal(labState(2).resets.at(-1)?.type, 'GracefulShutdown');
    });

    it('sets and reads the boot device and boot mode on the BMC, and injects an NMI', async () => {
      const uuid = await enroll(3);
      await provision(uuid, 'manage');
      let r = await api.put(`/v1/nodes/${uuid}/management/boot_device`, { boot_device: 'pxe', persistent: true });
      assert.equal(r.status, 204, r.text);
      assert.deepEqual({ target: labState(3).boot.target, enabled: labState(3).boot.enabled }, { target: 'Pxe', enabled: 'Continuous' });
      assert.deepEqual((await api.get(`/v1/nodes/${uuid}/management/boot_device`)).body, { boot_device: 'pxe', persistent: true });

      r = await api.put(`/v1/nodes/${uuid}/management/boot_device`, { boot_device: 'cdrom' });
      assert.equal(r.status, 204, r.text);
      assert.deepEqual({ target: labState(3).boot.target, enabled: labState(3).boot.enabled }, { target: 'Cd', enabled: 'Once' });
      assert.deepEqual((await api.get(`/v1/nodes/${uuid}/management/boot_device`)).body, { boot_device: 'cdrom', persistent: false });

      const supported = (await api.get(`/v1/nodes/${uuid}/management/boot_device/supported`)).body.supported_boot_devices;
      for (const d of ['pxe', 'disk', 'cdrom', 'bios']) assert.ok(supported.includes(d), `${d} in ${supported}`);
      r = await api.put(`/v1/nodes/${uuid}/management/boot_device`, { boot_device: 'wanboot' });
      assert.equal(r.status, 400);
      assert.equal(labState(3).boot.target, 'Cd', 'a refused device changes nothing');

      r = await api.put(`/v1/nodes/${uuid}/states/boot_mode`, { target: 'bios' });
      assert.ok(r.status === 202 || r.status === 204, r.text);
      await settled(uuid);
      assert.equal(labState(3).boot.mode, 'Legacy');
      assert.equal((await api.get(`/v1/nodes/${uuid}`)).body.boot_mode, 'bios');
      r = await api.put(`/v1/nodes/${uuid}/states/boot_mode`, { target: 'uefi' });
      await settled(uuid);
      assert.equal(labState(3).boot.mode, 'UEFI');

      const nmiBefore = labState(3).nmiCount;
      r = await api.put(`/v1/nodes/${uuid}/management/inject_nmi`, {});
      assert.equal(r.status, 204, r.text);
      assert.equal(labState(3).nmiCount, nmiBefore + 1);
    });

    it('a wrong password fails verification with a clear error and leaves the node free', async () => {
      const uuid = await enroll(4, { redfish_password: 'not-the-password' });
      const node = await provision(uuid, 'manage');
      assert.equal(node.provision_state, 'enroll');
      assert.match(node.last_error, /refused access as user admin \(HTTP 401\); check redfish_username and redfish_password/);
      assert.equal(node.reservation, null);
      assert.doesNotMatch(JSON.stringify(node), /not-the-password/, 'the password is masked in the API');

      const fixed = await api.patch(`/v1/nodes/${uuid}`, [{ op: 'replace', path: '/driver_info/redfish_password', value: 'password' }]);
      assert.equal(fixed.status, 200, fixed.text);
      assert.equal((await provision(uuid, 'manage')).provision_state, 'manageable');
    });

    it('a hung BMC costs its own node one timeout and does not hold up the others', async () => {
      const hung = await enroll(5);
      const healthy = await enroll(1, {}, `rf-healthy-${Date.now() % 100000}`);
      await provision(hung, 'manage');
      await provision(healthy, 'manage');
      await setFaults(5, { hang: true });
      try {
        const started = Date.now();
        const hangingAction = api.put(`/v1/nodes/${hung}/states/power`, { target: 'power on' });
        const quick = await power(healthy, 'power off');
        assert.equal(quick.power_state, 'power off', quick.last_error);
        assert.ok(Date.now() - started < 1400, 'the healthy node finished before the hung BMC timed out');
        assert.equal((await hangingAction).status, 202);
        const failed = await settled(hung);
        assert.match(failed.last_error, /timed out after 1\.5 s/);
      } finally {
        await setFaults(5, null);
      }
      const recovered = await power(hung, 'power on');
      assert.equal(recovered.power_state, 'power on', recovered.last_error);
      assert.equal(labState(5).power, 'on');
    });

    it('retries a BMC answering 503 and reports the error when it keeps failing', async () => {
      const uuid = await enroll(0, {}, `rf-503-${Date.now() % 100000}`);
      await provision(uuid, 'manage');
      await setFaults(0, { status: 503, retryAfter: 0 });
      try {
        const node = await power(uuid, 'power on');
        assert.match(node.last_error, /HTTP 503/);
      } finally {
        await setFaults(0, null);
      }
    });

    it('power sync marks a dead BMC\'s node as a power failure and recovers it when the BMC is back', async () => {
      const uuid = await enroll(2, {}, `rf-sync-${Date.now() % 100000}`);
      await provision(uuid, 'manage');
      const core = svc.service.conductor.core;
      await setFaults(2, { refused: true });
      try {
        await syncPowerStates(core);
        await syncPowerStates(core);
        const node = (await api.get(`/v1/nodes/${uuid}`)).body;
        assert.equal(node.maintenance, true);
        assert.equal(node.fault, 'power failure');
        assert.equal(node.power_state, null);
        assert.match(node.last_error, /cannot reach the Redfish service/);
      } finally {
        await setFaults(2, null);
      }
      await syncPowerStates(core);
      const node = (await api.get(`/v1/nodes/${uuid}`)).body;
      assert.equal(node.maintenance, false);
      assert.equal(node.fault, null);
      assert.equal(node.power_state, labState(2).power === 'on' ? 'power on' : 'power off');
    });

    it('verifies TLS with the lab CA and refuses an unknown CA with a clear message', async () => {
      const strict = await enroll(1, { redfish_verify_ca: true }, `rf-tls-${Date.now() % 100000}`);
      const node = await provision(strict, 'manage');
      assert.equal(node.provision_state, 'enroll');
      assert.match(node.last_error, /TLS certificate of the Redfish service at https:\/\/127\.0\.0\.1:\d+ could not be verified against the system's trusted CAs/);

      const insecure = await enroll(1, { redfish_verify_ca: 'False' }, `rf-insecure-${Date.now() % 100000}`);
      assert.equal((await provision(insecure, 'manage')).provision_state, 'manageable');
    });

    it('caches BIOS settings on manage and applies and resets them through clean steps', async () => {
      const uuid = await enroll(4, {}, `rf-bios-${Date.now() % 100000}`);
      await provision(uuid, 'manage');
      const cached = (await api.get(`/v1/nodes/${uuid}/bios`)).body.bios as { name: string; value: string }[];
      const current = labState(4).bios.current as Record<string, unknown>;
      assert.deepEqual(cached.map((s) => s.name).sort(), Object.keys(current).sort());
      assert.equal(cached.find((s) => s.name === 'NumaEnabled')?.value, current.NumaEnabled ? 'True' : 'False');
      const one = (await api.get(`/v1/nodes/${uuid}/bios/ProcTurboMode`)).body;
      assert.equal(one.ProcTurboMode.value, current.ProcTurboMode);
      assert.equal((await api.get(`/v1/nodes/${uuid}/bios/NoSuchSetting`)).status, 404);

      await power(uuid, 'power off');
      const boots = labState(4).bootRecord.length;
      const settings = [{ name: 'ProcTurboMode', value: 'Disabled' }, { name: 'PxeRetryCount', value: 4 }];
      let r = await api.put(`/v1/nodes/${uuid}/states/provision`, {
        target: 'clean', clean_steps: [{ interface: 'bios', step: 'apply_configuration', args: { settings } }],
      });
      assert.equal(r.status, 202, r.text);
      let node = await settled(uuid);
      assert.equal(node.provision_state, 'manageable', node.last_error);
      assert.equal(labState(4).bios.current.ProcTurboMode, 'Disabled');
      assert.equal(labState(4).bios.current.PxeRetryCount, 4);
      assert.ok(labState(4).bootRecord.length > boots, 'the server restarted to apply the settings');
      assert.equal(labState(4).power, 'off', 'left powered off, as it was found');
      const after = (await api.get(`/v1/nodes/${uuid}/bios`)).body.bios as { name: string; value: string }[];
      assert.equal(after.find((s) => s.name === 'ProcTurboMode')?.value, 'Disabled');
      assert.equal(after.find((s) => s.name === 'PxeRetryCount')?.value, '4');

      r = await api.put(`/v1/nodes/${uuid}/states/provision`, {
        target: 'clean', clean_steps: [{ interface: 'bios', step: 'apply_configuration', args: { settings: [{ name: 'NoSuchSetting', value: 'x' }] } }],
      });
      node = await waitFor(async () => {
        const n = (await api.get(`/v1/nodes/${uuid}`)).body;
        return n.provision_state === 'clean failed' && n.reservation === null ? n : undefined;
      }, 15_000, 'clean failed');
      assert.equal(node.provision_state, 'clean failed');
      assert.match(node.last_error, /has no setting named NoSuchSetting/);
      assert.equal(labState(4).bios.current.ProcTurboMode, 'Disabled', 'a refused step changes nothing');
      await provision(uuid, 'manage');

      r = await api.put(`/v1/nodes/${uuid}/states/provision`, {
        target: 'clean', clean_steps: [{ interface: 'bios', step: 'factory_reset', args: {} }],
      });
      node = await settled(uuid);
      assert.equal(node.provision_state, 'manageable', node.last_error);
      assert.equal(labState(4).bios.current.ProcTurboMode, 'Enabled');
      assert.equal(labState(4).bios.current.PxeRetryCount, 1);
      const reset = (await api.get(`/v1/nodes/${uuid}/bios/PxeRetryCount`)).body;
      assert.equal(reset.PxeRetryCount.value, '1');
    });

    it('rejects bad driver_info with Ironic\'s messages', async () => {
      const uuid = await enroll(1, { redfish_auth_type: 'kerberos' }, `rf-bad-${Date.now() % 100000}`);
      const v = await api.get(`/v1/nodes/${uuid}/validate`);
      assert.equal(v.body.power.result, false);
      assert.match(v.body.power.reason, /Invalid value "kerberos" set in driver_info\/redfish_auth_type on node .*\. The value should be one of "basic, session, auto"/);
      const good = await enroll(1, {}, `rf-valid-${Date.now() % 100000}`);
      assert.deepEqual((await api.get(`/v1/nodes/${good}/validate`)).body.power, { result: true });
      const wrongPassword = await enroll(1, { redfish_password: 'nope' }, `rf-pw-${Date.now() % 100000}`);
      const w = (await api.get(`/v1/nodes/${wrongPassword}/validate`)).body.power;
      assert.equal(w.result, false);
      assert.match(w.reason, /refused access as user admin \(HTTP 401\)/);
      const wrongSystem = await enroll(1, { redfish_system_id: '/redfish/v1/Systems/no-such-system' }, `rf-sys-${Date.now() % 100000}`);
      const ws = (await api.get(`/v1/nodes/${wrongSystem}/validate`)).body.power;
      assert.equal(ws.result, false);
      assert.match(ws.reason, /the BMC has no resource at https:\/\/127\.0\.0\.1:\d+\/redfish\/v1\/Systems\/no-such-system \(check redfish_system_id\)/);
      const missing = await api.post('/v1/nodes', { driver: 'redfish', driver_info: {} });
      const m = await api.get(`/v1/nodes/${missing.body.uuid}/validate`);
      assert.equal(m.body.power.reason, `Missing the following Redfish properties in node ${missing.body.uuid} driver_info: redfish_address`);
    });
  });
}
