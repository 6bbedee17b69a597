import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLab, type Lab } from '../../src/lab/index.js';
import { RedfishClient, type RedfishClientOptions } from '../../src/clients/redfish/client.js';
import { RedfishAuthError, RedfishConnectionError, RedfishHttpError, RedfishTlsError } from '../../src/clients/redfish/errors.js';
import type { Collection, ComputerSystem } from '../../src/clients/redfish/wire-types.js';

/*
 * Ferrite's Redfish client against the lab over real HTTPS: authentication and session renewal, what is retried
 * and what is not, Retry-After, ETags, task monitors and certificate verification.
 */

describe('Redfish client against the lab', () => {
  let lab: Lab;
  let dir: string;
  let retries: string[];

  const client = (extra: Partial<RedfishClientOptions> = {}) => new RedfishClient({
    address: lab.url, username: 'admin', password: 'password', authType: 'session', verify: lab.caPath,
    timeoutMs: 2000, retry: { attempts: 3, intervalMs: 10, maxRetryAfterMs: 5000 },
    log: { debug: (obj) => retries.push(JSON.stringify(obj)), warn: () => {} },
    ...extra,
  });
  const admin = (path: string, method: string, body?: unknown) => fetchLab(lab, path, method, body);
  const system = (i = 0) => lab.servers[i].systemPath;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ferrite-rf-client-'));
    lab = await startLab({ dir, servers: 2, port: 0, powerDelayMs: 20, bootDelayMs: 20 });
  });
  after(async () => {
    await lab?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('opens one session for concurrent requests and renews it when the BMC drops it', async () => {
    retries = [];
    const c = client();
    const systems = await Promise.all(Array.from({ length: 8 }, () => c.get<ComputerSystem>(system())));
    assert.ok(systems.every((s) => s.body.UUID === lab.servers[0].uuid));
    const basic = client({ authType: 'basic' });
    const sessions = (await basic.get<Collection>('/redfish/v1/SessionService/Sessions')).body.Members ?? [];
    assert.equal(sessions.length, 1, 'one login shared by eight requests');

    // The BMC forgets the session (as after a BMC reboot): the next request logs in again by itself.
    await basic.delete(sessions[0]['@odata.id']);
    assert.equal((await c.get<ComputerSystem>(system())).status, 200);
    const after = (await basic.get<Collection>('/redfish/v1/SessionService/Sessions')).body.Members ?? [];
    assert.equal(after.length, 1);
    assert.notEqual(after[0]['@odata.id'], sessions[0]['@odata.id']);
    await c.close();
    assert.equal(((await basic.get<Collection>('/redfish/v1/SessionService/Sessions')).body.Members ?? []).length, 0, 'close ends the session');
  });

  it('auto uses a session when the service offers one; wrong credentials are an auth error naming the user', async () => {
    const c = client({ authType: 'auto' });
    await c.get(system());
    const sessions = (await client({ authType: 'basic' }).get<Collection>('/redfish/v1/SessionService/Sessions')).body.Members ?? [];
    assert.ok(sessions.length >= 1);
    await c.close();
    for (const authType of ['basic', 'session'] as const) {
      await assert.rejects(client({ authType, password: 'wrong' }).get(system()), (e: unknown) => {
        assert.ok(e instanceof RedfishAuthError);
        assert.match(e.message, /refused access as user admin \(HTTP 401\)/);
        assert.doesNotMatch(e.message, /wrong/);
        return true;
      });
    }
  });

  it('honours Retry-After on 503 and succeeds once the BMC recovers', async () => {
    retries = [];
    const id = lab.servers[1].id;
    await admin(`/lab/servers/${id}/faults`, 'PUT', { status: 503, retryAfter: 1 });
    const started = Date.now();
    const pending = client({ authType: 'basic' }).get<ComputerSystem>(system(1));
    setTimeout(() => void admin(`/lab/servers/${id}/faults`, 'DELETE'), 300);
    const res = await pending;
    assert.equal(res.status, 200);
    assert.ok(Date.now() - started >= 950, 'waited the second the BMC asked for, not the 10 ms backoff');
    assert.equal(retries.length, 1);
    assert.match(retries[0], /HTTP 503/);
  });

  it('does not repeat a power action after an ambiguous 500, and reports the BMC error', async () => {
    retries = [];
    const id = lab.servers[1].id;
    await admin(`/lab/servers/${id}/faults`, 'PUT', { status: 500 });
    try {
      await assert.rejects(client({ authType: 'basic' }).post(`${system(1)}/Actions/ComputerSystem.Reset`, { ResetType: 'On' }),
        (e: unknown) => e instanceof RedfishHttpError && e.status === 500);
      assert.equal(retries.length, 0, 'a POST that may have acted is not sent again');
      await assert.rejects(client({ authType: 'basic' }).get(system(1)), (e: unknown) => e instanceof RedfishHttpError && e.status === 500);
      assert.equal(retries.length, 2, 'a read is tried three times');
    } finally {
      await admin(`/lab/servers/${id}/faults`, 'DELETE');
    }
  });

  it('gives up on a hung BMC after one timeout, without retrying', async () => {
    retries = [];
    const id = lab.servers[1].id;
    await admin(`/lab/servers/${id}/faults`, 'PUT', { hang: true });
    try {
      const started = Date.now();
      await assert.rejects(client({ authType: 'basic', timeoutMs: 300 }).get(system(1)), (e: unknown) => {
        assert.ok(e instanceof RedfishConnectionError && e.timedOut);
        assert.match(e.message, /timed out after 0\.3 s/);
        return true;
      });
      assert.ok(Date.now() - started < 1500);
      assert.equal(retries.length, 0);
    } finally {
      await admin(`/lab/servers/${id}/faults`, 'DELETE');
    }
  });

  it('retries refused connections, then reports them', async () => {
    retries = [];
    const id = lab.servers[1].id;
    await admin(`/lab/servers/${id}/faults`, 'PUT', { refused: true });
    try {
      await assert.rejects(client({ authType: 'basic' }).get(system(1)), (e: unknown) => e instanceof RedfishConnectionError);
      assert.equal(retries.length, 2);
    } finally {
      await admin(`/lab/servers/${id}/faults`, 'DELETE');
    }
  });

  it('PATCH with a stale ETag is refused with 412, with the current one it applies', async () => {
    const c = client();
    const first = await c.get<ComputerSystem>(system());
    assert.ok(first.etag);
    await c.patch(system(), { Boot: { BootSourceOverrideTarget: 'Pxe', BootSourceOverrideEnabled: 'Once' } }, first.etag);
    await assert.rejects(c.patch(system(), { Boot: { BootSourceOverrideTarget: 'Hdd' } }, first.etag), (e: unknown) => {
      assert.ok(e instanceof RedfishHttpError);
      assert.equal(e.status, 412);
      assert.ok(e.messageIds().includes('PreconditionFailed'), e.messageIds().join());
      return true;
    });
    assert.equal(lab.server(lab.servers[0].id).boot.target, 'Pxe');
    await c.close();
  });

  it('follows a task monitor until the task completes', async () => {
    const c = client();
    const bios = (await c.get<ComputerSystem>(system())).body.Bios!['@odata.id'];
    const res = await c.post(`${bios}/Actions/Bios.ResetBios`, {});
    assert.equal(res.status, 202);
    const task = await c.waitForTask(res.headers.location!, 5000, 20);
    assert.equal(task.TaskState, 'Completed');
    await c.close();
  });

  it('verifies the certificate: the lab CA passes, the system CAs do not', async () => {
    const trusted = await client({ verify: lab.caPath }).serviceRoot();
    assert.ok(trusted.Systems);
    await assert.rejects(client({ verify: true }).serviceRoot(), (e: unknown) => {
      assert.ok(e instanceof RedfishTlsError, String(e));
      assert.match(e.message, /could not be verified against the system's trusted CAs/);
      return true;
    });
    assert.ok((await client({ verify: false }).serviceRoot()).Systems, 'verification off is honoured');
  });
});

async function fetchLab(lab: Lab, path: string, method: string, body?: unknown): Promise<number> {
  const https = await import('node:https');
  const { readFileSync } = await import('node:fs');
  const ca = readFileSync(lab.caPath);
  return new Promise((resolve, reject) => {
    const req = https.request(`${lab.url}${path}`, { method, ca, headers: { 'Content-Type': 'application/json' } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}
