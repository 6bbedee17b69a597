import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { testDialects } from '../helpers/databases.js';
import { startTestService, type TestService } from '../helpers/service.js';

const run = promisify(execFile);

/** Installs Debian's OpenStack CLI when missing (as root); without it the test fails, it never skips. */
async function ensureCli(): Promise<void> {
  try {
    await run('openstack', ['--version']);
  } catch {
    if (process.getuid?.() !== 0) throw new Error('openstack CLI missing: install python3-openstackclient python3-ironicclient');
    await run('apt-get', ['install', '-y', '-qq', '-o', 'DPkg::Lock::Timeout=900', 'python3-openstackclient', 'python3-ironicclient'], {
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }, maxBuffer: 64 << 20,
    });
  }
}

for (const dialect of testDialects()) {
  describe(`the real openstack baremetal CLI against Ferrite on ${dialect}`, { timeout: 600_000 }, () => {
    let svc: TestService;
    const cli = async (...args: string[]): Promise<string> => {
      try {
        const { stdout } = await run('openstack', ['--os-auth-type', 'none', '--os-endpoint', svc.url, 'baremetal', ...args], {
          env: { ...process.env, OS_AUTH_TYPE: '', OS_ENDPOINT: '' }, maxBuffer: 16 << 20,
        });
        return stdout;
      } catch (e) {
        const err = e as { stderr?: string; message: string };
        throw new Error(`openstack baremetal ${args.join(' ')} failed: ${err.stderr ?? err.message}`);
      }
    };
    const json = async (...args: string[]) => JSON.parse(await cli(...args, '-f', 'json'));
    const value = async (...args: string[]) => (await cli(...args, '-f', 'value')).trim();

    before(async () => {
      await ensureCli();
      svc = await startTestService(dialect);
    });
    after(() => svc?.close());

    it('lists and shows drivers and conductors', async () => {
      const drivers = await json('driver', 'list');
      assert.deepEqual(drivers, [{ 'Supported driver(s)': 'fake-hardware', 'Active host(s)': 'test-conductor' }]);
      const driver = await json('driver', 'show', 'fake-hardware');
      assert.equal(driver.name, 'fake-hardware');
      assert.equal(driver.default_deploy_interface, 'fake');
      const conductors = await json('conductor', 'list');
      assert.deepEqual(conductors.map((c: any) => [c.Hostname, c.Alive]), [['test-conductor', true]]);
    });

    it('creates, lists, sorts, limits, sets, unsets, validates and deletes nodes', async () => {
      const chassis = await json('chassis', 'create', '--description', 'rack 7');
      assert.equal(chassis.description, 'rack 7');
      const n1 = await json('node', 'create', '--driver', 'fake-hardware', '--name', 'cli-b', '--chassis-uuid', chassis.uuid,
        '--property', 'cpus=8', '--resource-class', 'cli');
      assert.equal(n1.name, 'cli-b');
      assert.equal(n1.provision_state, 'enroll');
      assert.deepEqual(n1.properties, { cpus: 8 }, 'the CLI sends typed values');
      await json('node', 'create', '--driver', 'fake-hardware', '--name', 'cli-a', '--resource-class', 'cli');
      const list = await json('node', 'list');
      assert.deepEqual(list.map((n: any) => n.Name).sort(), ['cli-a', 'cli-b']);
      const long = await json('node', 'list', '--long');
      assert.equal(long.find((n: any) => n.Name === 'cli-b')['Resource Class'], 'cli');
      const fields = await json('node', 'list', '--fields', 'name', 'resource_class');
      assert.deepEqual(fields.map((n: any) => Object.keys(n).sort()), [['Name', 'Resource Class'], ['Name', 'Resource Class']]);
      const sorted = await json('node', 'list', '--sort', 'name:desc');
      assert.deepEqual(sorted.map((n: any) => n.Name), ['cli-b', 'cli-a']);
      // The CLI asks the server for one node (in creation order) and sorts what it got.
      const limited = await json('node', 'list', '--limit', '1');
      assert.deepEqual(limited.map((n: any) => n.Name), ['cli-b']);

      await cli('node', 'set', 'cli-b', '--property', 'memory_mb=4096', '--extra', 'team=infra', '--description', 'first');
      let shown = await json('node', 'show', 'cli-b');
      assert.deepEqual(shown.properties, { cpus: 8, memory_mb: 4096 });
      assert.deepEqual(shown.extra, { team: 'infra' });
      assert.equal(shown.description, 'first');
      await cli('node', 'unset', 'cli-b', '--property', 'cpus', '--extra', 'team', '--description');
      shown = await json('node', 'show', 'cli-b');
      assert.deepEqual(shown.properties, { memory_mb: 4096 });
      assert.deepEqual(shown.extra, {});
      assert.equal(shown.description, null);

      const validate = await json('node', 'validate', 'cli-b');
      const power = validate.find((v: any) => v.Interface === 'power');
      assert.equal(power.Result, true);

      await cli('node', 'delete', 'cli-a');
      assert.deepEqual((await json('node', 'list')).map((n: any) => n.Name), ['cli-b']);
      const chassisList = await json('chassis', 'list');
      assert.deepEqual(chassisList.map((c: any) => c.Description), ['rack 7']);
    });

    it('drives the lifecycle: manage, provide, deploy, power, boot device, maintenance, undeploy', async () => {
      await cli('node', 'manage', 'cli-b', '--wait', '30');
      assert.equal(await value('node', 'show', 'cli-b', '-c', 'provision_state'), 'manageable');
      await cli('node', 'provide', 'cli-b', '--wait', '30');
      assert.equal(await value('node', 'show', 'cli-b', '-c', 'provision_state'), 'available');
      await cli('node', 'deploy', 'cli-b', '--wait', '30');
      assert.equal(await value('node', 'show', 'cli-b', '-c', 'provision_state'), 'active');

      await cli('node', 'power', 'on', 'cli-b');
      assert.equal(await value('node', 'show', 'cli-b', '-c', 'power_state'), 'power on');
      await cli('node', 'power', 'off', 'cli-b');
      assert.equal(await value('node', 'show', 'cli-b', '-c', 'power_state'), 'power off');
      await cli('node', 'reboot', 'cli-b');
      assert.equal(await value('node', 'show', 'cli-b', '-c', 'power_state'), 'power on');

      await cli('node', 'boot', 'device', 'set', 'cli-b', 'cdrom', '--persistent');
      assert.deepEqual(await json('node', 'boot', 'device', 'show', 'cli-b'), { boot_device: 'cdrom', persistent: true });

      await cli('node', 'maintenance', 'set', 'cli-b', '--reason', 'fan swap');
      let shown = await json('node', 'show', 'cli-b');
      assert.equal(shown.maintenance, true);
      assert.equal(shown.maintenance_reason, 'fan swap');
      await cli('node', 'maintenance', 'unset', 'cli-b');
      shown = await json('node', 'show', 'cli-b');
      assert.equal(shown.maintenance, false);
      assert.equal(shown.maintenance_reason, null);

      await cli('node', 'undeploy', 'cli-b', '--wait', '30');
      assert.equal(await value('node', 'show', 'cli-b', '-c', 'provision_state'), 'available');
    });

    it('creates, lists, shows, sets and deletes ports and port groups', async () => {
      const uuid = await value('node', 'show', 'cli-b', '-c', 'uuid');
      const group = await json('port', 'group', 'create', '--node', uuid, '--name', 'bond0', '--address', '52:54:00:0a:0b:0c');
      assert.equal(group.name, 'bond0');
      const port = await json('port', 'create', '52:54:00:12:34:56', '--node', uuid, '--port-group', group.uuid,
        '--local-link-connection', 'switch_id=00:11:22:33:44:55', '--local-link-connection', 'port_id=Eth1/7', '--physical-network', 'physnet1');
      assert.equal(port.address, '52:54:00:12:34:56');
      assert.equal(port.portgroup_uuid, group.uuid);
      assert.deepEqual(port.local_link_connection, { switch_id: '00:11:22:33:44:55', port_id: 'Eth1/7' });
      const ports = await json('port', 'list', '--node', uuid);
      assert.deepEqual(ports.map((p: any) => p.Address), ['52:54:00:12:34:56']);
      await cli('port', 'set', port.uuid, '--extra', 'rack=7', '--pxe-enabled');
      const shownPort = await json('port', 'show', port.uuid);
      assert.deepEqual(shownPort.extra, { rack: 7 });
      assert.equal(shownPort.pxe_enabled, true);
      const groups = await json('port', 'group', 'list');
      assert.deepEqual(groups.map((g: any) => g.Name), ['bond0']);
      await cli('port', 'group', 'set', 'bond0', '--extra', 'lacp=fast');
      assert.deepEqual((await json('port', 'group', 'show', 'bond0')).extra, { lacp: 'fast' });
      await cli('port', 'delete', port.uuid);
      assert.deepEqual(await json('port', 'list'), []);
      await cli('port', 'group', 'delete', 'bond0');
      assert.deepEqual(await json('port', 'group', 'list'), []);
    });

    it('deletes the node and its chassis', async () => {
      const chassis = (await json('chassis', 'list'))[0].UUID as string;
      await cli('node', 'delete', 'cli-b');
      assert.deepEqual(await json('node', 'list'), []);
      await cli('chassis', 'delete', chassis);
      assert.deepEqual(await json('chassis', 'list'), []);
    });
  });
}
