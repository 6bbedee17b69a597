import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { startLab, type Lab } from '../../src/lab/index.js';
import { syncPowerStates } from '../../src/conductor/periodic/power-sync.js';
import { startIpmiSim, type IpmiSimPeer } from '../clients/peers/ipmi-peers.js';
import { freePort } from '../helpers/ferrite-process.js';
import { nodeActions } from '../helpers/node-actions.js';
import { apiClient, startTestService, waitFor, type TestService } from '../helpers/service.js';

/*
 * BMC passwords, right and wrong, go through every path that could leak them — enrollment, verification,
 * failures, power, validation, the console relay, the power sync — while the service logs at debug level. None
 * may show in the log, in any process's command line, or in what the API returns.
 */

const IPMI_SECRET = 'Ipmi-Pw-5150';
const IPMI_WRONG = 'Ipmi-Bad-8086';
const REDFISH_SECRET = 'Rf-Pw-6502';
const REDFISH_WRONG = 'Rf-Bad-6809';
const SECRETS = [IPMI_SECRET, IPMI_WRONG, REDFISH_SECRET, REDFISH_WRONG];

describe('BMC passwords stay secret', () => {
  let dir: string;
  let lab: Lab;
  let sim: IpmiSimPeer;
  let svc: TestService;
  let api: ReturnType<typeof apiClient>;
  let logged = '';
  const { provision, power } = nodeActions(() => api);

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ferrite-secrets-'));
    mkdirSync(join(dir, 'sim'));
    lab = await startLab({ dir: join(dir, 'lab'), servers: 1, port: 0, powerDelayMs: 20, bootDelayMs: 20, password: REDFISH_SECRET });
    const serial = await freePort();
    sim = await startIpmiSim(join(dir, 'sim'), 'admin', IPMI_SECRET, serial);
    const sink = new Writable({ write(chunk: Buffer, _enc, done) { logged += chunk.toString(); done(); } });
    svc = await startTestService('sqlite', {
      DEFAULT: { log_level: 'debug' }, ipmi: { request_timeout: '0.3', command_retry_timeout: '2' },
      redfish: { connection_attempts: '1' }, conductor: { power_state_sync_max_retries: '0' },
    }, { log: sink });
    api = apiClient(svc.url);
  });
  after(async () => {
    await svc?.close();
    await lab?.close();
    await sim?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('are never logged, never on a command line, and masked in the API', async () => {
    const redfishInfo = (password: string) => ({
      redfish_address: lab.url, redfish_system_id: lab.servers[0].systemPath, redfish_username: 'admin',
      redfish_password: password, redfish_verify_ca: lab.caPath,
    });
    const ipmiInfo = (password: string) => ({
      ipmi_address: '127.0.0.1', ipmi_port: sim.port, ipmi_username: 'admin', ipmi_password: password,
      ipmi_terminal_port: 0,
    });
    const terminalPort = await freePort();
    const nodes = [
      (await api.post('/v1/nodes', { driver: 'redfish', driver_info: redfishInfo(REDFISH_SECRET) })).body.uuid as string,
      (await api.post('/v1/nodes', { driver: 'redfish', driver_info: redfishInfo(REDFISH_WRONG) })).body.uuid as string,
      (await api.post('/v1/nodes', { driver: 'ipmi', console_interface: 'ipmitool-socat', driver_info: { ...ipmiInfo(IPMI_SECRET), ipmi_terminal_port: terminalPort } })).body.uuid as string,
      (await api.post('/v1/nodes', { driver: 'ipmi', driver_info: ipmiInfo(IPMI_WRONG) })).body.uuid as string,
    ];
    for (const uuid of nodes) await provision(uuid, 'manage');
    const [goodRf, badRf, goodIpmi, badIpmi] = nodes;
    assert.equal((await api.get(`/v1/nodes/${goodRf}`)).body.provision_state, 'manageable');
    assert.equal((await api.get(`/v1/nodes/${goodIpmi}`)).body.provision_state, 'manageable');
    assert.equal((await api.get(`/v1/nodes/${badRf}`)).body.provision_state, 'enroll');
    assert.equal((await api.get(`/v1/nodes/${badIpmi}`)).body.provision_state, 'enroll');
    await power(goodRf, 'power on');
    await power(goodIpmi, 'power on');
    assert.equal((await api.put(`/v1/nodes/${goodIpmi}/states/console`, { enabled: true })).status, 202);
    await waitFor(async () => ((await api.get(`/v1/nodes/${goodIpmi}/states/console`)).body.console_enabled ? true : undefined), 15_000, 'console');

    // Every process's command line while the console relay runs.
    const cmdlines = readdirSync('/proc').filter((p) => /^\d+$/.test(p)).map((pid) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
      } catch {
        return '';
      }
    });
    assert.ok(cmdlines.some((c) => c.includes('sol activate')), 'the console relay runs');

    // Failures recorded on nodes with wrong passwords go through the power sync too.
    await syncPowerStates(svc.service.conductor.core);
    for (const uuid of nodes) await api.get(`/v1/nodes/${uuid}/validate`);

    const shown: string[] = [];
    for (const uuid of nodes) {
      for (const path of [`/v1/nodes/${uuid}`, `/v1/nodes/${uuid}/validate`, `/v1/nodes/${uuid}/history?detail=true`, `/v1/nodes/${uuid}/states/console`]) {
        shown.push((await api.get(path)).text);
      }
    }
    shown.push((await api.get('/v1/nodes/detail')).text);
    assert.equal(svc.service.log.level, 'debug');
    assert.match(logged, /Failed to change power state|refused access|password/i, 'failures were logged');
    for (const secret of SECRETS) {
      assert.ok(!logged.includes(secret), `${secret} in the log`);
      assert.ok(!cmdlines.some((c) => c.includes(secret)), `${secret} on a command line`);
      assert.ok(!shown.some((t) => t.includes(secret)), `${secret} in the API`);
    }
    await api.put(`/v1/nodes/${goodIpmi}/states/console`, { enabled: false });
  });
});
