import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent } from '../../src/agent/command-api.js';
import { POWER_DELAY_MS } from '../../src/agent/commands/power.js';

/*
 * standby.power_off / standby.run_image / standby.reboot over the command API: the agent runs the power command it
 * was started with (here a script that records its arguments), never the host's, and refuses without one.
 */

describe('agent power commands', () => {
  let dir: string;
  let disk: string;
  let record: string;
  let script: string;
  let failing: string;

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'ferrite-power-'));
    disk = join(dir, 'disk.img');
    writeFileSync(disk, Buffer.alloc(1024 * 1024));
    record = join(dir, 'calls.txt');
    script = join(dir, 'power.sh');
    writeFileSync(script, `#!/bin/sh\necho "$*" >> '${record}'\n`);
    chmodSync(script, 0o755);
    failing = join(dir, 'failing-power.sh');
    writeFileSync(failing, '#!/bin/sh\necho "no BMC here" >&2\nexit 3\n');
    chmodSync(failing, 0o755);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  async function withAgent<T>(powerCommand: string | undefined, fn: (post: (name: string) => Promise<any>, base: string) => Promise<T>) {
    const agent = new Agent({ disk, macs: ['52:54:00:dd:00:01'], listen: { host: '127.0.0.1', port: 0 }, powerCommand });
    const base = await agent.start();
    try {
      const post = async (name: string) => {
        const res = await fetch(`${base}/v1/commands/`, {
          method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name, params: {} }),
        });
        assert.equal(res.status, 200);
        return res.json();
      };
      return await fn(post, base);
    } finally {
      await agent.stop();
    }
  }

  const pollDone = async (base: string, id: string) => {
    for (let i = 0; i < 300; i++) {
      const r = (await (await fetch(`${base}/v1/commands/${id}`)).json()) as { command_status: string };
      if (r.command_status !== 'RUNNING') return r as any;
      await new Promise((res) => setTimeout(res, 20));
    }
    throw new Error(`command ${id} still RUNNING`);
  };

  for (const [name, arg] of [['standby.power_off', 'off'], ['standby.run_image', 'reboot'], ['standby.reboot', 'reboot']] as const) {
    it(`${name} answers RUNNING first, then runs \`<power command> ${arg}\` and succeeds with a null result`, async () => {
      rmSync(record, { force: true });
      await withAgent(script, async (post, base) => {
        const started = Date.now();
        const r = await post(name);
        assert.equal(r.command_status, 'RUNNING');
        assert.equal(r.command_name, name.split('.')[1]);
        assert.equal(existsSync(record), false, 'the power command waits until the answer is out');
        const done = await pollDone(base, r.id);
        assert.equal(done.command_status, 'SUCCEEDED', JSON.stringify(done.command_error));
        assert.equal(done.command_result, null);
        assert.ok(Date.now() - started >= POWER_DELAY_MS - 20);
        assert.equal(readFileSync(record, 'utf8'), `${arg}\n`);
      });
    });
  }

  it('without a power command, power_off and reboot fail at once, saying why', async () => {
    await withAgent(undefined, async (post) => {
      for (const name of ['standby.power_off', 'standby.run_image', 'standby.reboot']) {
        const r = await post(name);
        assert.equal(r.command_status, 'FAILED');
        assert.equal(r.command_name, name);
        assert.equal(r.command_error.type, 'CommandExecutionError');
        assert.match(r.command_error.details, /started without --power-command/);
      }
    });
  });

  it('a failing power command fails the command with SystemRebootError and its output', async () => {
    await withAgent(failing, async (post, base) => {
      const r = await post('standby.power_off');
      const done = await pollDone(base, r.id);
      assert.equal(done.command_status, 'FAILED');
      assert.equal(done.command_error.type, 'SystemRebootError');
      assert.equal(done.command_error.message, 'Error rebooting system');
      assert.match(done.command_error.details, /failing-power\.sh off failed \(exit code 3\).*stderr: no BMC here/);
    });
  });
});
