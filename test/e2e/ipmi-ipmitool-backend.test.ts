import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startIpmiSim, startPyghmiBmc, type IpmiSimPeer, type PyghmiPeer } from '../clients/peers/ipmi-peers.js';
import { testDialects } from '../helpers/databases.js';
import { apiClient, startTestService, type TestService } from '../helpers/service.js';
import { nodeActions } from '../helpers/node-actions.js';

/*
 * The ipmi hardware type with `[ipmi] client = ipmitool`: the same API pass as on the native client, each effect
 * read back from the BMC's side, and driver_info's bridging options accepted because ipmitool can bridge.
 */

const PASSWORD = 'Ipmitool-Secret-7';

const IPMI_INI = {
  // Setting boot flags is four ipmitool runs, each with its own session: on a busy machine against the Python BMC
  // that takes seconds, so the bound is generous here.
  ipmi: { client: 'ipmitool', request_timeout: '1', command_retry_timeout: '20' },
  conductor: { power_state_change_timeout: '6', soft_power_off_timeout: '2' },
};

for (const dialect of testDialects()) {
  describe(`ipmi hardware type on the ipmitool backend, ${dialect}`, () => {
    let dir: string;
    let sim: IpmiSimPeer;
    let py: PyghmiPeer;
    let svc: TestService;
    let api: ReturnType<typeof apiClient>;

    async function enroll(peer: { port: number }, extra: Record<string, unknown> = {}) {
      const res = await api.post('/v1/nodes', {
        driver: 'ipmi',
        driver_info: { ipmi_address: '127.0.0.1', ipmi_port: peer.port, ipmi_username: 'admin', ipmi_password: PASSWORD, ...extra },
      });
      assert.equal(res.status, 201, res.text);
      return res.body.uuid as string;
    }
    const { provision, power } = nodeActions(() => api);

    before(async () => {
      dir = mkdtempSync(join(tmpdir(), 'ferrite-ipmitool-e2e-'));
      mkdirSync(join(dir, 'sim'));
      mkdirSync(join(dir, 'py'));
      [sim, py] = await Promise.all([startIpmiSim(join(dir, 'sim'), 'admin', PASSWORD), startPyghmiBmc(join(dir, 'py'), 'admin', PASSWORD)]);
      svc = await startTestService(dialect, IPMI_INI);
      api = apiClient(svc.url);
    });
    after(async () => {
      await svc?.close();
      await Promise.all([sim?.stop(), py?.stop()]);
      rmSync(dir, { recursive: true, force: true });
    });

    it('manages, powers and sets the boot device of an ipmi_sim node; the chassis program sees each action', async () => {
      assert.equal(svc.config.ipmi.client, 'ipmitool');
      const uuid = await enroll(sim);
      const managed = await provision(uuid, 'manage');
      assert.equal(managed.provision_state, 'manageable', managed.last_error);
      assert.equal(managed.power_state, sim.power() === '1' ? 'power on' : 'power off');

      let node = await power(uuid, 'power on');
      assert.equal(node.power_state, 'power on', node.last_error);
      assert.equal(sim.power(), '1');
      node = await power(uuid, 'power off');
      assert.equal(node.power_state, 'power off', node.last_error);
      assert.equal(sim.power(), '0');

      await power(uuid, 'power on');
      const before = sim.calls().length;
      node = await power(uuid, 'rebooting');
      assert.equal(node.power_state, 'power on', node.last_error);
      const sets = sim.calls().slice(before).map((c) => /set (power \d)/.exec(c)?.[1]).filter(Boolean);
      assert.deepEqual(sets, ['power 0', 'power 1'], 'a reboot is off then on');

      assert.equal((await api.put(`/v1/nodes/${uuid}/management/boot_device`, { boot_device: 'pxe' })).status, 204);
      assert.ok(sim.calls().includes('set boot pxe'), sim.calls().join('\n'));
      assert.equal((await api.get(`/v1/nodes/${uuid}/management/boot_device`)).body.boot_device, 'pxe');
      const v = (await api.get(`/v1/nodes/${uuid}/validate`)).body;
      assert.deepEqual([v.power, v.management], [{ result: true }, { result: true }]);
    });

    it('talks to the pyghmi BMC through ipmitool: a new RMCP+ session per command, persistent UEFI boot flags kept', async () => {
      const uuid = await enroll(py);
      const sessions = py.state().sessions;
      await provision(uuid, 'manage');
      const node = await power(uuid, 'power on');
      assert.equal(node.power_state, 'power on', node.last_error);
      assert.equal(py.state().power, 'on');
      // The native client would have opened one session for all of this; ipmitool opens one per run.
      assert.ok(py.state().sessions - sessions >= 3, `${py.state().sessions - sessions} sessions`);
      const r = await api.put(`/v1/nodes/${uuid}/management/boot_device`, { boot_device: 'disk', persistent: true });
      assert.equal(r.status, 204, r.text);
      assert.deepEqual(py.state().bootflags.slice(0, 2), [0xe0, 0x08]);
      assert.deepEqual((await api.get(`/v1/nodes/${uuid}/management/boot_device`)).body, { boot_device: 'disk', persistent: true });
    });

    it('bridges with Ironic\'s options: power through ipmi_sim\'s IPMB to its own controller; missing options named', async () => {
      // ipmi_sim forwards Send Message on IPMB channel 0; addressed to 20h (itself) from a local address of 22h, the
      // bridged command comes back to its own chassis — so the effect is visible, and the path is ipmitool's -b/-t/-m.
      const bridged = await enroll(sim, { ipmi_bridging: 'single', ipmi_target_channel: '0', ipmi_target_address: '0x20', ipmi_local_address: '0x22' });
      assert.deepEqual((await api.get(`/v1/nodes/${bridged}/validate`)).body.power, { result: true });
      await provision(bridged, 'manage');
      await power(bridged, 'power off');
      assert.equal(sim.power(), '0');
      const on = await power(bridged, 'power on');
      assert.equal(on.power_state, 'power on', on.last_error);
      assert.equal(sim.power(), '1');
      // Nothing answers at 30h on that bus: the BMC's refusal of the bridged request shows on the node.
      const absent = await enroll(sim, { ipmi_bridging: 'single', ipmi_target_channel: 0, ipmi_target_address: '0x30' });
      assert.match((await api.get(`/v1/nodes/${absent}/validate`)).body.power.reason, /completion code 0x83/);

      const dual = await enroll(sim, { ipmi_bridging: 'dual', ipmi_target_channel: 7, ipmi_target_address: '0x72' });
      const v = (await api.get(`/v1/nodes/${dual}/validate`)).body;
      assert.deepEqual(v.power, { result: false, reason: "['ipmi_transit_channel', 'ipmi_transit_address'] not provided" });
      const bad = await enroll(sim, { ipmi_bridging: 'triple' });
      assert.match((await api.get(`/v1/nodes/${bad}/validate`)).body.power.reason,
        /Invalid value for ipmi_bridging: triple, the valid value can be one of: \['single', 'dual', 'no'\]/);
      const props = (await api.get('/v1/drivers/ipmi/properties')).body;
      assert.ok('ipmi_target_address' in props && 'ipmi_transit_channel' in props && 'ipmi_local_address' in props);
    });
  });
}
