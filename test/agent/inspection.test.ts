import { describe, it, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runAgent } from '../../src/agent/agent-runtime.js';
import { inspectionData } from '../../src/agent/inspection.js';
import { collectInventory } from '../../src/agent/inventory.js';
import { InspectionError } from '../../src/agent/ironic-client.js';

/*
 * Inspection from the agent's side, against a loopback stand-in for the API that answers the callback as scripted:
 * the data is posted before the lookup, retried while the API is not ready for it, and a refusal stops the agent.
 */

const NODE = '1be26c0b-03f2-4d2e-ae87-c02d7f33c123';
const MAC = '52:54:00:cc:00:01';

interface Seen { method: string; path: string; headers: http.IncomingHttpHeaders; body: string }

describe('the agent sends its inventory when asked to inspect', () => {
  let dir: string;
  let disk: string;
  let server: http.Server;
  let api: string;
  let seen: Seen[];
  // Statuses the inspection callback answers, in order; the last one repeats.
  let callbackAnswers: Array<{ status: number; body: string }>;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ferrite-inspection-'));
    disk = join(dir, 'disk.img');
    writeFileSync(disk, Buffer.alloc(1024 * 1024));
    server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (d: Buffer) => (body += d.toString()));
      req.on('end', () => {
        const path = req.url ?? '';
        seen.push({ method: req.method ?? '', path, headers: req.headers, body });
        const json = (status: number, b: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(b));
        if (req.method === 'POST' && path === '/v1/continue_inspection') {
          const a = callbackAnswers.length > 1 ? callbackAnswers.shift()! : callbackAnswers[0];
          return res.writeHead(a.status, { 'content-type': 'application/json' }).end(a.body);
        }
        if (req.method === 'GET' && path.startsWith('/v1/lookup')) {
          return json(200, {
            node: { uuid: NODE, properties: {}, instance_info: {}, driver_internal_info: {} },
            config: { agent_token: 'secret-token-for-test', heartbeat_timeout: 300, agent_token_required: true },
          });
        }
        if (req.method === 'POST' && path === `/v1/heartbeat/${NODE}`) return res.writeHead(202).end();
        res.writeHead(404).end();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    api = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
    rmSync(dir, { recursive: true, force: true });
  });
  beforeEach(() => {
    seen = [];
  });

  const start = (lookupTimeoutMs = 10_000) => runAgent({
    apiUrl: api, macs: [MAC], disk, listen: { host: '127.0.0.1', port: 0 }, lookupTimeoutMs,
    inspectionCallbackUrl: `${api}/v1/continue_inspection`, bootInterface: '01-52-54-00-cc-00-01',
  });

  it('inspection data: the inventory, BOOTIF as given, the target disk as root disk, IPA\'s configuration', async () => {
    const inv = await collectInventory({ disk, macs: [MAC], bootInterface: '01-52-54-00-cc-00-01' });
    const data = inspectionData(inv, '01-52-54-00-cc-00-01');
    assert.deepEqual(data, {
      inventory: inv, boot_interface: '01-52-54-00-cc-00-01', root_disk: inv.disks[0],
      configuration: { collectors: ['default'], managers: [{ name: 'generic_hardware_manager', version: '1.2' }] },
      error: null,
    });
    assert.equal(inspectionData(inv, undefined).boot_interface, null);
  });

  it('posts the inventory, retrying while the node is not found, then looks its node up and heartbeats', async () => {
    callbackAnswers = [
      { status: 404, body: '{"error_message": "not found"}' },
      { status: 404, body: '{"error_message": "not found"}' },
      { status: 202, body: JSON.stringify({ uuid: NODE }) },
    ];
    const running = await start();
    try {
      assert.equal(running.nodeUuid, NODE);
      const order = seen.map((s) => `${s.method} ${s.path.split('?')[0]}`);
      assert.deepEqual(order, [
        'POST /v1/continue_inspection', 'POST /v1/continue_inspection', 'POST /v1/continue_inspection',
        'GET /v1/lookup', `POST /v1/heartbeat/${NODE}`,
      ]);
      const post = seen[2];
      assert.equal(post.headers['content-type'], 'application/json');
      // As IPA: no version header, so the API answers {uuid} and keeps the token for the lookup.
      assert.equal(post.headers['x-openstack-ironic-api-version'], undefined);
      const data = JSON.parse(post.body);
      assert.deepEqual(Object.keys(data).sort(), ['boot_interface', 'configuration', 'error', 'inventory', 'root_disk']);
      assert.equal(data.boot_interface, '01-52-54-00-cc-00-01');
      assert.equal(data.error, null);
      assert.deepEqual(data.configuration, { collectors: ['default'], managers: [{ name: 'generic_hardware_manager', version: '1.2' }] });
      assert.deepEqual(data.inventory.interfaces.map((i: { mac_address: string }) => i.mac_address), [MAC]);
      assert.equal(data.inventory.boot.pxe_interface, MAC);
      assert.deepEqual(data.root_disk, data.inventory.disks[0]);
      assert.equal(data.root_disk.name, disk);
      assert.equal(data.root_disk.size, 1024 * 1024);
      // The same data again each time: the retries resend, they do not recollect differently.
      assert.equal(seen[0].body, post.body);

      const log = running.agent.log.text();
      assert.match(log, /"msg":"sending inspection data"/);
      assert.match(log, /"msg":"inspection data taken".*"uuid":"1be26c0b/);
    } finally {
      await running.stop();
    }
  });

  it('a 400 from the callback is final: the agent stops with the API\'s words and never looks up', async () => {
    callbackAnswers = [{ status: 400, body: '{"error_message": "No lookup information provided"}' }];
    await assert.rejects(start(), (e: unknown) => e instanceof InspectionError
      && /refused the inspection data: HTTP 400: .*No lookup information provided/.test(e.message));
    assert.deepEqual(seen.map((s) => s.path), ['/v1/continue_inspection']);
  });

  it('gives up after the lookup timeout while the API keeps failing', async () => {
    callbackAnswers = [{ status: 503, body: 'unavailable' }];
    await assert.rejects(start(1200), (e: unknown) => e instanceof InspectionError
      && /did not take the inspection data within 1 s \(last: HTTP 503\)/.test(e.message));
    assert.ok(seen.length >= 2, 'retried');
    assert.ok(seen.every((s) => s.path === '/v1/continue_inspection'));
  });
});
