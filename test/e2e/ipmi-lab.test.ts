import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLab, type Lab } from '../../src/lab/index.js';
import { syncPowerStates } from '../../src/conductor/periodic/power-sync.js';
import { testDialects } from '../helpers/databases.js';
import { nodeActions } from '../helpers/node-actions.js';
import { apiClient, startTestService, waitFor, type TestService } from '../helpers/service.js';

/*
 * One lab server, two management protocols: Ferrite drives it over IPMI (the lab's ipmi_sim BMC) and watches it
 * over Redfish, as an operator might with real hardware; both views and the lab's own must agree.
 */

for (const dialect of testDialects()) {
  describe(`ipmi and redfish nodes of the same lab server on ${dialect}`, () => {
    let dir: string;
    let lab: Lab;
    let svc: TestService;
    let api: ReturnType<typeof apiClient>;
    const { provision, power } = nodeActions(() => api);

    before(async () => {
      dir = mkdtempSync(join(tmpdir(), 'ferrite-ipmi-lab-'));
      lab = await startLab({ dir, servers: 2, port: 0, ipmi: true, ipmiBasePort: 0, powerDelayMs: 50, bootDelayMs: 50 });
      // Two nodes share one server here, so the sync must record what it sees instead of enforcing the recorded state.
      svc = await startTestService(dialect, {
        ipmi: { request_timeout: '0.5', command_retry_timeout: '5' }, conductor: { force_power_state_during_sync: 'false' },
      });
      api = apiClient(svc.url);
    });
    after(async () => {
      await svc?.close();
      await lab?.close();
      rmSync(dir, { recursive: true, force: true });
    });

    it('powers and boots a lab server over IPMI; the lab and the Redfish node see the same server', async () => {
      const server = lab.servers[0];
      const ipmi = await api.post('/v1/nodes', {
        driver: 'ipmi', name: 'lab-0-ipmi',
        driver_info: { ipmi_address: '127.0.0.1', ipmi_port: server.ipmiPort, ipmi_username: 'admin', ipmi_password: 'password' },
      });
      const redfish = await api.post('/v1/nodes', {
        driver: 'redfish', name: 'lab-0-redfish',
        driver_info: { redfish_address: lab.url, redfish_system_id: server.systemPath, redfish_username: 'admin', redfish_password: 'password', redfish_verify_ca: lab.caPath },
      });
      const [a, b] = [ipmi.body.uuid as string, redfish.body.uuid as string];
      assert.equal((await provision(a, 'manage')).provision_state, 'manageable');
      assert.equal((await provision(b, 'manage')).provision_state, 'manageable');

      let node = await power(a, 'power on');
      assert.equal(node.power_state, 'power on', node.last_error);
      // The lab's IPMI side reports a transition's target at once (as many BMCs do); the server gets there after
      // the lab's power delay.
      await waitFor(async () => (lab.server(server.id).power === 'on' ? true : undefined), 2000, 'the lab server on');
      await syncPowerStates(svc.service.conductor.core);
      assert.equal((await api.get(`/v1/nodes/${b}`)).body.power_state, 'power on', 'the Redfish view of the same server');

      assert.equal((await api.put(`/v1/nodes/${a}/management/boot_device`, { boot_device: 'pxe' })).status, 204);
      const boots = lab.server(server.id).bootRecord.length;
      node = await power(a, 'rebooting');
      assert.equal(node.power_state, 'power on', node.last_error);
      // The lab's IPMI side reports a transition's target at once; its boot follows the power delay.
      const record = await waitFor(async () => {
        const r = lab.server(server.id).bootRecord;
        return r.length > boots ? r : undefined;
      }, 3000, 'the lab server to boot again');
      assert.equal(record.at(-1)?.target, 'Pxe', 'the reboot booted from the network, as set over IPMI');

      await waitFor(async () => (lab.server(server.id).power === 'on' ? true : undefined), 2000, 'the lab server on');
      node = await power(b, 'power off');
      assert.equal(node.power_state, 'power off', node.last_error);
      await syncPowerStates(svc.service.conductor.core);
      assert.equal((await api.get(`/v1/nodes/${a}`)).body.power_state, 'power off', 'the IPMI view after a Redfish power off');
    });
  });
}
