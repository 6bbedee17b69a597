import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startIpmiSim, type IpmiSimPeer } from '../clients/peers/ipmi-peers.js';
import { freePort } from '../helpers/ferrite-process.js';
import { testDialects } from '../helpers/databases.js';
import { apiClient, startTestService, waitFor, type TestService } from '../helpers/service.js';

/*
 * The ipmitool-socat console against ipmi_sim's Serial-over-LAN: the "server's serial port" is a TCP service of
 * this test that ipmi_sim connects to; a client of Ferrite's console port must see what the serial port prints and
 * reach it with what it types.
 */

const PASSWORD = 'Console-Secret-7';

for (const dialect of testDialects()) {
  describe(`ipmitool-socat console over SOL on ${dialect}`, () => {
    let dir: string;
    let serial: Server;
    let sim: IpmiSimPeer;
    let svc: TestService;
    let api: ReturnType<typeof apiClient>;
    let terminalPort: number;
    const serialClients: Socket[] = [];

    before(async () => {
      dir = mkdtempSync(join(tmpdir(), 'ferrite-ipmi-console-'));
      // The serial port: greets each connection, then echoes every line it receives.
      serial = createServer((socket) => {
        serialClients.push(socket);
        socket.on('error', () => {});
        const tick = setInterval(() => socket.write('serial-tick\r\n'), 200);
        socket.on('close', () => clearInterval(tick));
        socket.on('data', (d) => socket.write(`echo:${d.toString().trim()}\r\n`));
      });
      await new Promise<void>((resolve) => serial.listen(0, '127.0.0.1', resolve));
      sim = await startIpmiSim(dir, 'admin', PASSWORD, (serial.address() as { port: number }).port);
      terminalPort = await freePort();
      svc = await startTestService(dialect, { ipmi: { request_timeout: '0.3', command_retry_timeout: '3' } });
      api = apiClient(svc.url);
    });
    after(async () => {
      await svc?.close();
      await sim?.stop();
      for (const s of serialClients) s.destroy();
      serial?.close();
      rmSync(dir, { recursive: true, force: true });
    });

    it('serves the SOL console on the terminal port while enabled, and stops serving when disabled', async () => {
      const created = await api.post('/v1/nodes', {
        driver: 'ipmi', console_interface: 'ipmitool-socat',
        driver_info: {
          ipmi_address: '127.0.0.1', ipmi_port: sim.port, ipmi_username: 'admin', ipmi_password: PASSWORD,
          ipmi_terminal_port: terminalPort,
        },
      });
      assert.equal(created.status, 201, created.text);
      const uuid = created.body.uuid as string;
      assert.deepEqual((await api.get(`/v1/nodes/${uuid}/states/console`)).body, { console_enabled: false, console_info: null });

      assert.equal((await api.put(`/v1/nodes/${uuid}/states/console`, { enabled: true })).status, 202);
      const state = await waitFor(async () => {
        const s = (await api.get(`/v1/nodes/${uuid}/states/console`)).body;
        return s.console_enabled ? s : undefined;
      }, 15_000, 'console enabled');
      assert.deepEqual(state.console_info, { type: 'socat', url: `tcp://127.0.0.1:${terminalPort}` });

      // A console client: what the serial port prints arrives, and what is typed reaches it.
      const client = connect(terminalPort, '127.0.0.1');
      let seen = '';
      client.on('data', (d: Buffer) => (seen += d.toString()));
      client.on('error', () => {});
      await waitFor(async () => (seen.includes('serial-tick') ? true : undefined), 15_000, 'serial output through SOL');
      client.write('hello-console\r');
      await waitFor(async () => (seen.includes('echo:hello-console') ? true : undefined), 10_000, 'typed input echoed through SOL');
      client.destroy();

      // The relay runs ipmitool with the password in its environment only, never on a command line.
      const children = readFileSync(`/proc/self/task/${process.pid}/children`, 'utf8').split(/\s+/).filter(Boolean)
        .map((pid) => readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' '));
      assert.ok(children.some((c) => c.startsWith('socat ') && c.includes('sol activate')), children.join('\n'));
      for (const cmdline of children) assert.doesNotMatch(cmdline, new RegExp(PASSWORD));

      assert.equal((await api.put(`/v1/nodes/${uuid}/states/console`, { enabled: false })).status, 202);
      await waitFor(async () => ((await api.get(`/v1/nodes/${uuid}/states/console`)).body.console_enabled === false ? true : undefined), 10_000, 'console disabled');
      await waitFor(() => new Promise<true | undefined>((resolve) => {
        const probe = connect(terminalPort, '127.0.0.1');
        probe.on('connect', () => { probe.destroy(); resolve(undefined); });
        probe.on('error', () => resolve(true));
      }), 5000, 'the console port to close');
      assert.equal((await api.get(`/v1/nodes/${uuid}`)).body.last_error, null);
    });

    it('refuses to enable a console without a terminal port, saying which key is missing', async () => {
      const created = await api.post('/v1/nodes', {
        driver: 'ipmi', console_interface: 'ipmitool-socat',
        driver_info: { ipmi_address: '127.0.0.1', ipmi_port: sim.port, ipmi_username: 'admin', ipmi_password: PASSWORD },
      });
      const r = await api.put(`/v1/nodes/${created.body.uuid}/states/console`, { enabled: true });
      assert.equal(r.status, 400, r.text);
      assert.match(r.text, /Missing 'ipmi_terminal_port' parameter/);
    });
  });
}

describe('consoles after a restart', () => {
  it('the conductor starts the relays of enabled consoles again when it restarts', async (t) => {
    const { FerriteProcess } = await import('../helpers/ferrite-process.js');
    const { writeFileSync } = await import('node:fs');
    const dir = mkdtempSync(join(tmpdir(), 'ferrite-console-restart-'));
    const serial = createServer((socket) => {
      socket.on('error', () => {});
      socket.write('serial-hello\r\n');
    });
    await new Promise<void>((resolve) => serial.listen(0, '127.0.0.1', resolve));
    const sim = await startIpmiSim(dir, 'admin', PASSWORD, (serial.address() as { port: number }).port);
    const port = await freePort();
    const terminalPort = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const config = join(dir, 'ferrite.conf');
    writeFileSync(config, [
      '[DEFAULT]', `state_path = ${dir}`, 'log_level = warn', '[api]', 'host_ip = 127.0.0.1', `port = ${port}`,
      '[database]', `connection = sqlite:///${join(dir, 'ferrite.db')}`, '[conductor]', 'sync_power_state_interval = 0', '',
    ].join('\n'));
    let ferrite = new FerriteProcess(['serve', '--config', config]);
    const listening = () => new Promise<true | undefined>((resolve) => {
      const probe = connect(terminalPort, '127.0.0.1');
      probe.on('connect', () => { probe.destroy(); resolve(true); });
      probe.on('error', () => resolve(undefined));
    });
    try {
      await ferrite.ready(url);
      const api = apiClient(url);
      const created = await api.post('/v1/nodes', {
        driver: 'ipmi', console_interface: 'ipmitool-socat',
        driver_info: { ipmi_address: '127.0.0.1', ipmi_port: sim.port, ipmi_username: 'admin', ipmi_password: PASSWORD, ipmi_terminal_port: terminalPort },
      });
      await api.put(`/v1/nodes/${created.body.uuid}/states/console`, { enabled: true });
      await waitFor(listening, 15_000, 'the console port');
      assert.equal((await ferrite.kill('SIGTERM')).code, 0);
      assert.equal(await listening(), undefined, 'the relay stopped with its conductor');

      ferrite = new FerriteProcess(['serve', '--config', config]);
      await ferrite.ready(url);
      await waitFor(listening, 15_000, 'the console port after the restart');
      assert.equal((await api.get(`/v1/nodes/${created.body.uuid}/states/console`)).body.console_enabled, true);
    } catch (e) {
      t.diagnostic(ferrite.log);
      throw e;
    } finally {
      if (ferrite.running) await ferrite.kill('SIGTERM');
      await sim.stop();
      serial.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
