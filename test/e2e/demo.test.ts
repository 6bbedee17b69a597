import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { apiClient, waitFor } from '../helpers/service.js';
import { FerriteProcess, freePort } from '../helpers/ferrite-process.js';

/*
 * `ferrite serve --demo` (what `npm start` runs): a lab of emulated Redfish servers next to the service, demo
 * nodes in several states on a first start, and the same nodes — still driving the same lab — after a restart.
 */

describe('ferrite serve --demo', () => {
  let dir: string;
  let config: string;
  let url: string;
  let labPort: number;
  let ferrite: FerriteProcess | undefined;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ferrite-demo-'));
    const port = await freePort();
    labPort = await freePort();
    url = `http://127.0.0.1:${port}`;
    config = join(dir, 'ferrite.conf');
    writeFileSync(config, [
      '[DEFAULT]', `state_path = ${dir}`, 'log_level = warn',
      '[api]', 'host_ip = 127.0.0.1', `port = ${port}`,
      '[database]', `connection = sqlite:///${join(dir, 'ferrite.db')}`,
      '',
    ].join('\n'));
  });
  after(async () => {
    if (ferrite?.running) await ferrite.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  const start = async () => {
    ferrite = new FerriteProcess(['serve', '--demo', '--lab-port', String(labPort), '--config', config]);
    await ferrite.ready(url);
  };
  /** The lab's own view of a server, through its admin API over HTTPS verified with the lab CA. */
  const labServer = async (name: string) => {
    const https = await import('node:https');
    const ca = readFileSync(join(dir, 'lab', 'ca.pem'));
    return new Promise<{ power: string; bootRecord: unknown[] }>((resolve, reject) => {
      https.get(`https://127.0.0.1:${labPort}/lab/servers/${name}`, { ca }, (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => resolve(JSON.parse(body) as { power: string; bootRecord: unknown[] }));
      }).on('error', reject);
    });
  };

  it('enrolls fake and lab nodes in several states, and keeps driving the lab after a restart', async (t) => {
    try {
      await start();
      const api = apiClient(url);
      // The nodes appear at once; the lab servers then go through their states (cleaning and the deploy run
      // through the agent each server network-boots), so the test waits for every one to rest.
      const wanted: Record<string, string> = { 'lab-0': 'active', 'lab-1': 'available', 'lab-2': 'manageable', 'lab-3': 'enroll' };
      const nodes = await waitFor(async () => {
        const list = (await api.get('/v1/nodes?fields=name,driver,provision_state,target_provision_state,power_state,properties,reservation,last_error')).body.nodes as Record<string, any>[];
        const failed = list.find((n) => n.last_error);
        if (failed) throw new Error(`${failed.name}: ${failed.last_error}`);
        const rested = list.length === 8 && list.every((n) => n.reservation === null && n.target_provision_state === null &&
          (wanted[n.name] === undefined || wanted[n.name] === n.provision_state));
        return rested ? list : undefined;
      }, 150_000, 'eight demo nodes in their states');
      const byName = Object.fromEntries(nodes.map((n) => [n.name, n]));
      assert.deepEqual(
        ['lab-0', 'lab-1', 'lab-2', 'lab-3'].map((n) => [byName[n].driver, byName[n].provision_state]),
        [['redfish', 'active'], ['redfish', 'available'], ['redfish', 'manageable'], ['redfish', 'enroll']],
      );
      assert.equal(byName['demo-compute-1'].provision_state, 'active');
      assert.equal(byName['lab-0'].power_state, 'power on');
      const lab0 = await labServer('lab-0') as { power: string; bootRecord: { target: string; result: string; diskSha256?: string }[] };
      assert.equal(lab0.power, 'on', 'the deployed lab server really runs');
      const image = readFileSync(join(dir, 'demo-image.raw'));
      const firstMib = (await import('node:crypto')).createHash('sha256').update(image.subarray(0, 1024 * 1024)).digest('hex');
      assert.deepEqual(lab0.bootRecord.at(-1) && { ...lab0.bootRecord.at(-1), at: undefined, mode: undefined },
        { at: undefined, mode: undefined, target: 'Hdd', result: 'os', diskSha256: firstMib }, 'and booted the demo image from its disk');
      assert.equal(byName['lab-2'].properties.cpu_arch, 'x86_64', 'lab servers were inspected through Redfish');

      await ferrite!.kill('SIGTERM');
      await start();
      assert.equal((await api.get('/v1/nodes')).body.nodes.length, 8, 'a restart does not seed again');
      const r = await api.put('/v1/nodes/lab-1/states/power', { target: 'power on' });
      assert.equal(r.status, 202, r.text);
      await waitFor(async () => ((await api.get('/v1/nodes/lab-1')).body.power_state === 'power on' ? true : undefined), 20_000, 'lab-1 on');
      assert.equal((await labServer('lab-1')).power, 'on');
      const stopped = await ferrite!.kill('SIGTERM');
      assert.equal(stopped.code, 0, ferrite!.log);
    } catch (e) {
      t.diagnostic(`ferrite's output:\n${ferrite?.log ?? ''}`);
      throw e;
    }
  });
});
