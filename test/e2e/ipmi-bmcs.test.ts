import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startIpmiSim, startPyghmiBmc, type IpmiSimPeer, type PyghmiPeer } from '../clients/peers/ipmi-peers.js';
import { testDialects } from '../helpers/databases.js';
import { apiClient, startTestService, type TestService } from '../helpers/service.js';
import { nodeActions } from '../helpers/node-actions.js';

/*
 * The ipmi hardware type end to end against two real BMCs from Debian packages — OpenIPMI's ipmi_sim and a
 * pyghmi BMC — through Ferrite's API, with every effect read back from the BMC's side and by ipmitool.
 */

const run = promisify(execFile);
const PASSWORD = 'Ipmi-Secret-42';

const IPMI_INI = {
  ipmi: { request_timeout: '0.3', command_retry_timeout: '3' },
  conductor: { power_state_change_timeout: '6', soft_power_off_timeout: '2' },
};

for (const dialect of testDialects()) {
  describe(`ipmi hardware type against ipmi_sim and pyghmi on ${dialect}`, () => {
    let dir: string;
    let sim: IpmiSimPeer;
    let py: PyghmiPeer;
    let svc: TestService;
    let api: ReturnType<typeof apiClient>;

    const ipmitool = async (peer: { port: number }, ...args: string[]) => (await run('ipmitool',
      ['-I', 'lanplus', '-C', '3', '-H', '127.0.0.1', '-p', String(peer.port), '-U', 'admin', '-E', ...args],
      { env: { ...process.env, IPMI_PASSWORD: PASSWORD }, timeout: 15_000 })).stdout;
    const powerByIpmitool = async (peer: { port: number }) => /Chassis Power is (on|off)/.exec(await ipmitool(peer, 'power', 'status'))?.[1];

    async function enroll(peer: { port: number }, extra: Record<string, unknown> = {}) {
      const res = await api.post('/v1/nodes', {
        driver: 'ipmi',
        driver_info: { ipmi_address: '127.0.0.1', ipmi_port: peer.port, ipmi_username: 'admin', ipmi_password: PASSWORD, ...extra },
      });
      assert.equal(res.status, 201, res.text);
      return res.body.uuid as string;
    }
    const { settled, provision, power } = nodeActions(() => api);

    before(async () => {
      dir = mkdtempSync(join(tmpdir(), 'ferrite-ipmi-e2e-'));
      mkdirSync(join(dir, 'sim'));
      mkdirSync(join(dir, 'py'));
      sim = await startIpmiSim(join(dir, 'sim'), 'admin', PASSWORD);
      py = await startPyghmiBmc(join(dir, 'py'), 'admin', PASSWORD);
      svc = await startTestService(dialect, IPMI_INI);
      api = apiClient(svc.url);
    });
    after(async () => {
      await svc?.close();
      await sim?.stop();
      await py?.stop();
      rmSync(dir, { recursive: true, force: true });
    });

    it('manages and powers an ipmi_sim node; ipmitool and the chassis program see each action', async () => {
      const uuid = await enroll(sim);
      const managed = await provision(uuid, 'manage');
      assert.equal(managed.provision_state, 'manageable', managed.last_error);
      assert.equal(managed.power_state, `power ${await powerByIpmitool(sim)}`);

      let node = await power(uuid, 'power on');
      assert.equal(node.power_state, 'power on', node.last_error);
      assert.equal(await powerByIpmitool(sim), 'on');
      assert.equal(sim.power(), '1');

      node = await power(uuid, 'power off');
      assert.equal(node.power_state, 'power off', node.last_error);
      assert.equal(await powerByIpmitool(sim), 'off');

      await power(uuid, 'power on');
      const before = sim.calls().length;
      node = await power(uuid, 'rebooting');
      assert.equal(node.power_state, 'power on', node.last_error);
      const sets = sim.calls().slice(before).map((c) => /set (power \d)/.exec(c)?.[1]).filter(Boolean);
      assert.deepEqual(sets, ['power 0', 'power 1'], 'a reboot is off then on');

      assert.equal((await api.put(`/v1/nodes/${uuid}/management/boot_device`, { boot_device: 'pxe' })).status, 204);
      assert.match(await ipmitool(sim, 'chassis', 'bootparam', 'get', '5'), /Force PXE/);
      assert.equal((await api.get(`/v1/nodes/${uuid}/management/boot_device`)).body.boot_device, 'pxe');
      const v = (await api.get(`/v1/nodes/${uuid}/validate`)).body;
      assert.deepEqual([v.power, v.management], [{ result: true }, { result: true }]);
    });

    it('keeps persistent and UEFI boot flags on the pyghmi BMC, and injects an NMI', async () => {
      const uuid = await enroll(py);
      await provision(uuid, 'manage');
      let r = await api.put(`/v1/nodes/${uuid}/management/boot_device`, { boot_device: 'disk', persistent: true });
      assert.equal(r.status, 204, r.text);
      const param = await ipmitool(py, 'chassis', 'bootparam', 'get', '5');
      assert.match(param, /Options apply to all future boots/);
      assert.match(param, /BIOS EFI boot/);
      assert.match(param, /Force Boot from default Hard-Drive/);
      assert.deepEqual((await api.get(`/v1/nodes/${uuid}/management/boot_device`)).body, { boot_device: 'disk', persistent: true });

      r = await api.put(`/v1/nodes/${uuid}/management/boot_device`, { boot_device: 'cdrom', persistent: false });
      assert.deepEqual((await api.get(`/v1/nodes/${uuid}/management/boot_device`)).body, { boot_device: 'cdrom', persistent: false });

      await power(uuid, 'power on');
      const nmis = py.state().nmis;
      assert.equal((await api.put(`/v1/nodes/${uuid}/management/inject_nmi`, {})).status, 204);
      assert.equal(py.state().nmis, nmis + 1);
      const node = await power(uuid, 'soft power off');
      assert.equal(node.power_state, 'power off', node.last_error);
      assert.equal(await powerByIpmitool(py), 'off');
    });

    it('a wrong password fails verification clearly and leaves the node free; the password shows nowhere', async () => {
      const uuid = await enroll(py, { ipmi_password: 'Wrong-Secret-99' });
      const node = await provision(uuid, 'manage');
      assert.equal(node.provision_state, 'enroll');
      assert.match(node.last_error, /IPMI get power state failed for node .*127\.0\.0\.1:\d+/);
      assert.match(node.last_error, /password/i);
      assert.equal(node.reservation, null);
      const shown = JSON.stringify([node, (await api.get(`/v1/nodes/${uuid}/validate`)).body, (await api.get(`/v1/nodes/${uuid}/history`)).body]);
      assert.doesNotMatch(shown, /Wrong-Secret-99|Ipmi-Secret-42/);
      assert.equal(node.driver_info.ipmi_password, '******');
    });

    it('a cipher suite the BMC does not offer fails verification naming the suite', async () => {
      const uuid = await enroll(sim, { ipmi_cipher_suite: 17 });
      const node = await provision(uuid, 'manage');
      assert.equal(node.provision_state, 'enroll');
      assert.match(node.last_error, /cipher suite 17/);
      assert.equal(node.reservation, null);
      const healthy = await enroll(sim);
      assert.equal((await provision(healthy, 'manage')).provision_state, 'manageable', 'the same BMC still serves suite 3');
    });

    it('a stopped BMC times out its own node only, and the node recovers when the BMC is back', async () => {
      const stuck = await enroll(sim);
      const healthy = await enroll(py);
      await provision(stuck, 'manage');
      await provision(healthy, 'manage');
      process.kill(sim.pid, 'SIGSTOP');
      try {
        const pending = api.put(`/v1/nodes/${stuck}/states/power`, { target: 'power on' });
        const started = Date.now();
        const quick = await power(healthy, 'power on');
        assert.equal(quick.power_state, 'power on', quick.last_error);
        assert.ok(Date.now() - started < 2500, 'the healthy BMC answered while the other one hung');
        assert.equal((await pending).status, 202);
        const failed = await settled(stuck);
        assert.match(failed.last_error, /IPMI .* failed for node .*: .*(timed out|no answer|did not answer)/i);
        assert.equal(failed.reservation, null);
      } finally {
        process.kill(sim.pid, 'SIGCONT');
      }
      const recovered = await power(stuck, 'power off');
      assert.equal(recovered.power_state, 'power off', recovered.last_error);
      assert.equal(await powerByIpmitool(sim), 'off');
    });

    it('rejects driver_info the native client cannot use, naming the key', async () => {
      const cases: [Record<string, unknown>, RegExp][] = [
        [{ ipmi_protocol_version: '1.5' }, /Invalid IPMI protocol version value 1\.5/],
        [{ ipmi_bridging: 'single' }, /ipmi_bridging="single" .* not supported/],
        [{ ipmi_priv_level: 'ROOT' }, /Invalid privilege level value:ROOT/],
        [{ ipmi_cipher_suite: 8 }, /ipmi_cipher_suite .* supports cipher suites 1, 2, 3, 15, 16 and 17/],
        [{ ipmi_port: 'seventy' }, /ipmi_port "seventy" .* is not a valid port/],
      ];
      for (const [extra, reason] of cases) {
        const uuid = await enroll(sim, extra);
        const v = (await api.get(`/v1/nodes/${uuid}/validate`)).body;
        assert.equal(v.power.result, false, JSON.stringify(extra));
        assert.match(v.power.reason, reason);
      }
      const missing = await api.post('/v1/nodes', { driver: 'ipmi', driver_info: {} });
      const v = (await api.get(`/v1/nodes/${missing.body.uuid}/validate`)).body;
      assert.equal(v.power.reason, "Missing the following IPMI credentials in node's driver_info: ['ipmi_address'].");
    });
  });
}
