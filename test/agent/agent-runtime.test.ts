import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runAgent } from '../../src/agent/agent-runtime.js';
import { LookupError } from '../../src/agent/ironic-client.js';
import { ProvisionState } from '../../src/domain/provision-state-machine.js';
import { apiClient, startTestService, waitFor, type TestService } from '../helpers/service.js';

/*
 * The agent against Ferrite's real API: it finds its node by MAC, takes the token, heartbeats its command API's
 * address, and from then on answers commands only with that token — the way the conductor will drive it.
 */

describe('the agent looks its node up and heartbeats', () => {
  let svc: TestService;
  let api: ReturnType<typeof apiClient>;
  let dir: string;
  let disk: string;
  let seq = 0;

  before(async () => {
    svc = await startTestService('sqlite', { api: { ramdisk_heartbeat_timeout: '2' } });
    api = apiClient(svc.url);
    dir = mkdtempSync(join(tmpdir(), 'ferrite-agent-rt-'));
    disk = join(dir, 'disk.img');
    writeFileSync(disk, Buffer.alloc(4 * 1024 * 1024));
  });
  after(async () => {
    await svc.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function waitingNode() {
    seq += 1;
    const mac = `52:54:00:bb:00:${seq.toString(16).padStart(2, '0')}`;
    const node = (await api.post('/v1/nodes', { driver: 'fake-hardware' })).body;
    await api.post('/v1/ports', { node_uuid: node.uuid, address: mac });
    const row = await svc.service.store.nodes.getByUuid(node.uuid);
    // As the deploy flow leaves it while the server boots the agent.
    await svc.service.store.nodes.update(row!.id, { provision_state: ProvisionState.waitCallBack });
    return { uuid: node.uuid as string, mac };
  }
  const internal = async (uuid: string) => (await svc.service.store.nodes.getByUuid(uuid))!.driver_internal_info;

  it('registers its command API with the node and requires the node\'s token for commands', async () => {
    const { uuid, mac } = await waitingNode();
    const running = await runAgent({
      apiUrl: svc.url, macs: ['52:54:00:00:00:99', mac], disk, listen: { host: '127.0.0.1', port: 0 }, lookupTimeoutMs: 5000,
    });
    try {
      assert.equal(running.nodeUuid, uuid);
      const info = await internal(uuid);
      assert.equal(info.agent_url, running.callbackUrl);
      const token = info.agent_secret_token as string;
      assert.equal(running.agent.token, token);

      assert.equal((await fetch(`${running.callbackUrl}/v1/commands`)).status, 401, 'no token');
      assert.equal((await fetch(`${running.callbackUrl}/v1/commands?agent_token=wrong`)).status, 401);
      const ok = await fetch(`${running.callbackUrl}/v1/commands?agent_token=${token}`);
      assert.equal(ok.status, 200);
      assert.deepEqual(await ok.json(), { commands: [] });
      const steps = await fetch(`${running.callbackUrl}/v1/commands?wait=true&agent_token=${token}`, {
        method: 'POST', headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ name: 'clean.get_clean_steps', params: { node: {}, ports: [] } }),
      });
      assert.equal(((await steps.json()) as { command_status: string }).command_status, 'SUCCEEDED');
      assert.equal((await fetch(`${running.callbackUrl}/v1/status`)).status, 200, 'status needs no token');

      // Heartbeats keep coming (every 0.6–1.2 s with a 2 s heartbeat timeout).
      const first = info.agent_last_heartbeat;
      await waitFor(async () => ((await internal(uuid)).agent_last_heartbeat !== first ? true : undefined), 5000, 'a second heartbeat');
    } finally {
      await running.stop();
    }
  });

  it('gives up with a clear error when no node waits for its MACs', async () => {
    await assert.rejects(
      runAgent({ apiUrl: svc.url, macs: ['52:54:00:de:ad:00'], disk, listen: { host: '127.0.0.1', port: 0 }, lookupTimeoutMs: 1200 }),
      (e: unknown) => e instanceof LookupError && /no node found for 52:54:00:de:ad:00 .* within 1 s \(last: HTTP 404\)/.test(e.message),
    );
  });

  it('runs as `ferrite agent` and stops cleanly on SIGTERM', async () => {
    const { uuid, mac } = await waitingNode();
    const bin = fileURLToPath(new URL('../../bin/ferrite.js', import.meta.url));
    const child = spawn(process.execPath, [bin, 'agent', '--api-url', svc.url, '--mac', mac, '--disk', disk, '--listen', '127.0.0.1:0', '--lookup-timeout', '20'],
      { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    try {
      const ready = await waitFor(async () => {
        const line = out.split('\n').find((l) => l.startsWith('{"event":"ready"'));
        return line ? (JSON.parse(line) as { node: string; callback_url: string }) : undefined;
      }, 60_000, `the agent's ready line: ${out}`);
      assert.equal(ready.node, uuid);
      assert.equal((await internal(uuid)).agent_url, ready.callback_url);
    } finally {
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      const [code] = await exited;
      assert.equal(code, 0, out);
    }
  });
});
