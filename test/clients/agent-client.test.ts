import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent } from '../../src/agent/command-api.js';
import { AgentClient, AgentCommandError } from '../../src/clients/agent/agent-client.js';
import { freePort } from '../helpers/ferrite-process.js';
import { waitFor } from '../helpers/service.js';

/* The conductor's agent client against Ferrite's own agent over loopback HTTP, with a real image and disk file. */

describe('agent client', () => {
  let dir: string;
  let disk: string;
  let agent: Agent;
  let agentUrl: string;
  let images: Server;
  let imageBase: string;
  const TOKEN = 'tok-' + randomBytes(16).toString('hex');
  const image = randomBytes(3 * 1024 * 1024);
  const sha256 = createHash('sha256').update(image).digest('hex');
  let release: (() => void) | undefined;
  const client = new AgentClient({ requestTimeoutMs: 5000, pollIntervalMs: 50 });

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ferrite-agent-client-'));
    disk = join(dir, 'disk.img');
    writeFileSync(disk, Buffer.alloc(8 * 1024 * 1024));
    images = createServer((req, res) => {
      // /slow.img holds its answer until the test lets it go, to see a running command.
      if (req.url === '/slow.img') {
        release = () => res.end(image);
        res.writeHead(200, { 'Content-Length': image.length });
        return;
      }
      res.writeHead(200, { 'Content-Length': image.length }).end(image);
    });
    await new Promise<void>((resolve) => images.listen(0, '127.0.0.1', resolve));
    imageBase = `http://127.0.0.1:${(images.address() as { port: number }).port}`;
    agent = new Agent({ disk, macs: ['52:54:00:00:00:01'], listen: { host: '127.0.0.1', port: 0 } });
    agentUrl = await agent.start();
    agent.token = TOKEN;
  });
  after(async () => {
    await agent.stop();
    images.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const imageInfo = (path: string, checksum = sha256) => ({
    image_info: { id: 'img-1', urls: [`${imageBase}${path}`], os_hash_algo: 'sha256', os_hash_value: checksum, disk_format: 'raw' },
  });

  it('runs a quick command synchronously', async () => {
    const r = await client.runSync(agentUrl, TOKEN, 'clean.get_clean_steps', { node: {}, ports: [] });
    assert.equal(r.command_status, 'SUCCEEDED');
    assert.ok(r.command_result && 'clean_steps' in r.command_result);
  });

  it('starts a long command, sees it running and busy, and follows it to the end', async () => {
    const started = await client.start(agentUrl, TOKEN, 'standby.prepare_image', imageInfo('/slow.img'));
    assert.equal(started.command_status, 'RUNNING');
    await assert.rejects(client.start(agentUrl, TOKEN, 'standby.sync', {}),
      (e: unknown) => e instanceof AgentCommandError && e.status === 409 && /Agent is busy/.test(e.message));
    await waitFor(async () => (release ? true : undefined), 5000, 'the agent to ask for the image');
    release!();
    const done = await client.waitFor(agentUrl, TOKEN, started.id, 10_000);
    assert.equal(done.command_status, 'SUCCEEDED');
    assert.ok(readFileSync(disk).subarray(0, image.length).equals(image));
    assert.ok((await client.list(agentUrl, TOKEN)).some((c) => c.id === started.id));
  });

  it('reports a failed command with the agent\'s words', async () => {
    const started = await client.start(agentUrl, TOKEN, 'standby.prepare_image', imageInfo('/img.raw', '0'.repeat(64)));
    await assert.rejects(client.waitFor(agentUrl, TOKEN, started.id, 10_000), (e: unknown) => {
      assert.ok(e instanceof AgentCommandError);
      assert.match(e.message, /agent command prepare_image failed: .*checksum/i);
      return true;
    });
  });

  it('names the agent, never the token, when it refuses or cannot be reached', async () => {
    await assert.rejects(client.list(agentUrl, 'wrong-token'), (e: unknown) => {
      assert.ok(e instanceof AgentCommandError && e.status === 401);
      assert.match(e.message, /Token invalid/);
      return true;
    });
    const nowhere = `http://127.0.0.1:${await freePort()}`;
    await assert.rejects(client.list(nowhere, TOKEN), (e: unknown) => {
      assert.ok(e instanceof AgentCommandError);
      assert.match(e.message, /cannot reach the agent at http:\/\/127\.0\.0\.1:\d+/);
      assert.doesNotMatch(e.message, new RegExp(TOKEN));
      return true;
    });
  });
});
