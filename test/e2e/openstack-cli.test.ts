/**
 * The real OpenStack CLI (Debian's python3-openstackclient and python3-ironicclient; the client negotiates its own
 * microversion, 1.78 for ironicclient 5.0.1) drives a running Ferrite on each database, and every command's output is
 * checked: drivers, conductors, chassis, nodes (create, list with its options, show, set, unset, validate, the
 * provision verbs with --wait, power, boot device, maintenance, delete), ports and port groups.
 *
 * The service pages lists at two items ([api] max_limit = 2) so that the CLI's paging (`--limit 0` follows `next`)
 * and `--marker` are exercised with three nodes, and lets API calls wait for their quick background action
 * ([conductor] quick_action_wait) so that a power or boot-device command has taken effect when the CLI returns.
 * Each CLI call costs 1.5-2 s of Python start-up, so read-only commands run side by side.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { testDialects } from '../helpers/databases.js';
import { startTestService, type TestService } from '../helpers/service.js';
import {
  baremetalCli, ensureOpenstackCli, ironicclientResources, type BaremetalCli, type ClientResources,
} from '../helpers/openstack-cli.js';

const CONDUCTOR = 'test-conductor'; // startTestService's [DEFAULT] host
const SERVICE_CONFIG = {
  DEFAULT: { enabled_hardware_types: 'fake-hardware' },
  api: { max_limit: '2' },
  conductor: { quick_action_wait: '10' },
};
/** Interface slots a 1.78 client sees (firmware is 1.86). */
const SLOTS = ['bios', 'boot', 'console', 'deploy', 'inspect', 'management', 'network', 'power', 'raid', 'rescue', 'storage', 'vendor'];
/**
 * What `node validate` lists: Ironic validates a node's non-vendor interfaces; at 1.82 (2023.1, the release Ferrite's
 * maximum matches, and what NOTES section 2 ran) those are these eleven. Firmware came with 2023.2 (1.86).
 */
const VALIDATED = ['bios', 'boot', 'console', 'deploy', 'inspect', 'management', 'network', 'power', 'raid', 'rescue', 'storage'];
const ISO_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?\+00:00$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const MAC_A = '52:54:00:12:34:56';
const MAC_B = '52:54:00:12:34:57';
const MAC_GROUP = '52:54:00:0a:0b:0c';

/** Asserts that `actual` has these keys with these values (other keys are checked elsewhere). */
function assertFields(actual: Record<string, unknown>, expected: Record<string, unknown>, what: string): void {
  const picked = Object.fromEntries(Object.keys(expected).map((k) => [k, actual[k]]));
  assert.deepEqual(picked, expected, what);
}

function assertKeys(actual: Record<string, unknown>, fields: string[], what: string): void {
  assert.deepEqual(Object.keys(actual).sort(), [...fields].sort(), `${what}: the fields the CLI's microversion shows`);
}

for (const dialect of testDialects()) {
  describe(`the openstack baremetal CLI against Ferrite on ${dialect}`, { timeout: 1_800_000 }, () => {
    let svc: TestService;
    let cli: BaremetalCli;
    let client: ClientResources;
    let driver: Record<string, string>;
    let chassis: Record<string, any>;
    const nodes: Record<'alpha' | 'bravo' | 'charlie', Record<string, any>> = { alpha: {}, bravo: {}, charlie: {} };
    const charlieUuid = randomUUID();

    before(async () => {
      await ensureOpenstackCli();
      client = await ironicclientResources();
      svc = await startTestService(dialect, SERVICE_CONFIG);
      cli = baremetalCli(svc.url);
    }, { timeout: 1_500_000 });
    after(() => svc?.close());

    it('lists and shows drivers and conductors', async () => {
      const [drivers, shown, conductors, conductor] = await Promise.all([
        cli.json('driver', 'list'),
        cli.json<Record<string, string>>('driver', 'show', 'fake-hardware'),
        cli.json('conductor', 'list'),
        cli.json('conductor', 'show', CONDUCTOR),
      ]);
      assert.deepEqual(drivers, [{ 'Supported driver(s)': 'fake-hardware', 'Active host(s)': CONDUCTOR }]);

      driver = shown;
      assertKeys(driver, ['name', 'type', 'hosts', ...SLOTS.flatMap((s) => [`default_${s}_interface`, `enabled_${s}_interfaces`])], 'driver show');
      assertFields(driver, {
        name: 'fake-hardware', type: 'dynamic', hosts: CONDUCTOR,
        default_boot_interface: 'fake', default_deploy_interface: 'fake', default_management_interface: 'fake',
        default_power_interface: 'fake', default_network_interface: 'noop', default_storage_interface: 'noop',
      }, 'driver show');
      for (const slot of SLOTS) {
        const enabled = driver[`enabled_${slot}_interfaces`].split(', ');
        assert.ok(enabled.includes(driver[`default_${slot}_interface`]), `default ${slot} interface is among the enabled ones: ${enabled.join(', ')}`);
      }

      assert.deepEqual(conductors, [{ Hostname: CONDUCTOR, 'Conductor Group': '', Alive: true }]);
      assertKeys(conductor, client.conductor.fields, 'conductor show');
      assertFields(conductor, { hostname: CONDUCTOR, conductor_group: '', alive: true, drivers: ['fake-hardware'] }, 'conductor show');
      assert.match(conductor.created_at, ISO_TIME);
    });

    it('creates a chassis and three nodes, and shows them', async () => {
      chassis = await cli.json('chassis', 'create', '--description', 'rack 7', '--extra', 'row=b');
      assertKeys(chassis, client.chassis.fields, 'chassis create');
      assert.match(chassis.uuid, UUID);
      assert.match(chassis.created_at, ISO_TIME);
      assertFields(chassis, { description: 'rack 7', extra: { row: 'b' }, updated_at: null }, 'chassis create');

      nodes.alpha = await cli.json('node', 'create', '--driver', 'fake-hardware', '--name', 'cli-alpha',
        '--chassis-uuid', chassis.uuid, '--property', 'cpus=8', '--property', 'memory_mb=8192', '--extra', 'team=infra',
        '--driver-info', 'fake_power_delay=0', '--resource-class', 'gold');
      nodes.bravo = await cli.json('node', 'create', '--driver', 'fake-hardware', '--name', 'cli-bravo',
        '--property', 'cpus=4', '--resource-class', 'silver');
      nodes.charlie = await cli.json('node', 'create', '--driver', 'fake-hardware', '--name', 'cli-charlie',
        '--uuid', charlieUuid, '--resource-class', 'gold');

      const interfaces = Object.fromEntries(SLOTS.map((s) => [`${s}_interface`, driver[`default_${s}_interface`]]));
      const fresh = {
        driver: 'fake-hardware', provision_state: 'enroll', target_provision_state: null, provision_updated_at: null,
        power_state: null, target_power_state: null, maintenance: false, maintenance_reason: null, fault: null,
        instance_uuid: null, instance_info: {}, last_error: null, reservation: null, console_enabled: false,
        conductor: CONDUCTOR, conductor_group: '', traits: [], description: null, owner: null, lessee: null,
        protected: false, protected_reason: null, retired: false, retired_reason: null, allocation_uuid: null,
        driver_internal_info: {}, clean_step: {}, deploy_step: {}, updated_at: null, ...interfaces,
      };
      for (const [key, node] of Object.entries(nodes)) {
        assertKeys(node, client.node.fields, `node create ${key}`);
        assertFields(node, fresh, `node create ${key}`);
        assert.match(node.uuid, UUID);
        assert.match(node.created_at, ISO_TIME);
      }
      assertFields(nodes.alpha, {
        name: 'cli-alpha', chassis_uuid: chassis.uuid, properties: { cpus: 8, memory_mb: 8192 }, extra: { team: 'infra' },
        driver_info: { fake_power_delay: 0 }, resource_class: 'gold',
      }, 'node create alpha: the CLI sends typed values');
      assertFields(nodes.bravo, { name: 'cli-bravo', chassis_uuid: null, properties: { cpus: 4 }, extra: {}, driver_info: {}, resource_class: 'silver' }, 'node create bravo');
      assertFields(nodes.charlie, { name: 'cli-charlie', uuid: charlieUuid, properties: {}, resource_class: 'gold' }, 'node create charlie');

      const [byName, byUuid, someFields, chassisList, chassisShown] = await Promise.all([
        cli.json('node', 'show', 'cli-alpha'),
        cli.json('node', 'show', nodes.bravo.uuid),
        cli.json('node', 'show', 'cli-charlie', '--fields', 'uuid', 'name', 'resource_class', 'provision_state'),
        cli.json('chassis', 'list'),
        cli.json('chassis', 'show', chassis.uuid),
      ]);
      assert.deepEqual(byName, nodes.alpha, 'node show by name = what node create returned');
      assert.deepEqual(byUuid, nodes.bravo, 'node show by UUID = what node create returned');
      assert.deepEqual(someFields, { uuid: charlieUuid, name: 'cli-charlie', resource_class: 'gold', provision_state: 'enroll' });
      assert.deepEqual(chassisList, [{ UUID: chassis.uuid, Description: 'rack 7' }]);
      assert.deepEqual(chassisShown, chassis, 'chassis show = what chassis create returned');
    });

    it('lists nodes: pages, --limit, --marker, --long, --fields, --sort and filters', async () => {
      const { alpha, bravo, charlie } = nodes;
      const [page, all, long, fields, first, afterFirst, filtered] = await Promise.all([
        cli.json('node', 'list'),
        cli.lines('node', 'list', '--limit', '0', '--sort', 'name:desc', '-c', 'Name'),
        cli.json('node', 'list', '--limit', '0', '--long', '--sort', 'resource_class:desc,name'),
        cli.json('node', 'list', '--limit', '0', '--fields', 'uuid', 'name', 'resource_class', 'chassis_uuid'),
        cli.lines('node', 'list', '--limit', '1', '-c', 'Name'),
        cli.lines('node', 'list', '--limit', '1', '--marker', alpha.uuid, '-c', 'Name'),
        cli.lines('node', 'list', '--resource-class', 'gold', '--chassis', chassis.uuid, '-c', 'Name'),
      ]);
      const row = (n: Record<string, any>) => ({
        UUID: n.uuid, Name: n.name, 'Instance UUID': null, 'Power State': null, 'Provisioning State': 'enroll', Maintenance: false,
      });
      assert.deepEqual(page, [row(alpha), row(bravo)], 'without --limit the CLI shows the first page (max_limit = 2)');
      assert.deepEqual(all, ['cli-charlie', 'cli-bravo', 'cli-alpha'], '--limit 0 follows the next links; --sort sorts them');
      assert.deepEqual(first, ['cli-alpha']);
      assert.deepEqual(afterFirst, ['cli-bravo']);
      assert.deepEqual(filtered, ['cli-alpha']);

      assert.deepEqual(long.map((r: any) => r.Name), ['cli-bravo', 'cli-alpha', 'cli-charlie'], '--long sorted by resource class, then name');
      for (const r of long) {
        const node = Object.values(nodes).find((n) => n.uuid === r.UUID)!;
        const asShown = Object.fromEntries(client.node.fields.map((f, i) => [client.node.labels[i], node[f]]));
        assert.deepEqual(r, asShown, `node list --long row of ${node.name} = node show, field by field (also across the page break)`);
      }
      assert.deepEqual(fields, [alpha, bravo, charlie].map((n) => ({
        UUID: n.uuid, Name: n.name, 'Resource Class': n.resource_class, 'Chassis UUID': n.chassis_uuid,
      })), '--fields: the server returns the asked fields, on every page');
    });

    it('sets and unsets node fields', async () => {
      await cli.ok('node', 'set', 'cli-alpha', '--property', 'memory_mb=4096', '--property', 'local_gb=100', '--extra', 'rack=7',
        '--description', 'first node', '--instance-info', 'image_source=http://127.0.0.1/image.qcow2', '--instance-info', 'root_gb=10',
        '--owner', 'acme', '--resource-class', 'platinum');
      let shown = await cli.json('node', 'show', 'cli-alpha');
      assertFields(shown, {
        properties: { cpus: 8, memory_mb: 4096, local_gb: 100 }, extra: { team: 'infra', rack: 7 }, description: 'first node',
        instance_info: { image_source: 'http://127.0.0.1/image.qcow2', root_gb: 10 }, owner: 'acme', resource_class: 'platinum',
        driver_info: { fake_power_delay: 0 }, provision_state: 'enroll',
      }, 'node show after node set');
      assert.match(shown.updated_at, ISO_TIME);

      await cli.ok('node', 'unset', 'cli-alpha', '--property', 'local_gb', '--extra', 'team', '--description',
        '--instance-info', 'root_gb', '--owner', '--resource-class');
      shown = await cli.json('node', 'show', 'cli-alpha');
      assertFields(shown, {
        properties: { cpus: 8, memory_mb: 4096 }, extra: { rack: 7 }, description: null,
        instance_info: { image_source: 'http://127.0.0.1/image.qcow2' }, owner: null, resource_class: null,
      }, 'node show after node unset');
    });

    it('validates the node\'s interfaces as Ironic does', async () => {
      const results: { Interface: string; Result: boolean; Reason: string | null }[] = await cli.json('node', 'validate', 'cli-alpha');
      assert.deepEqual(results.map((r) => r.Interface), VALIDATED,
        'the interfaces Ironic validates at this microversion (its non-vendor interfaces; firmware only exists from 1.86)');
      // Ironic sends {"result": true} with no "reason" for a valid interface, which the CLI prints as an empty reason.
      assert.deepEqual(results, VALIDATED.map((i) => ({ Interface: i, Result: true, Reason: '' })), 'every interface valid, no reason');
    });

    it('drives the node through manage, provide, deploy, power, boot device, maintenance and undeploy', async () => {
      const state = (...cols: string[]) => cli.json('node', 'show', 'cli-alpha', ...cols.flatMap((c) => ['-c', c]));

      await cli.ok('node', 'manage', 'cli-alpha', '--wait', '60');
      const managed = await state('provision_state', 'target_provision_state', 'last_error', 'provision_updated_at');
      assertFields(managed, { provision_state: 'manageable', target_provision_state: null, last_error: null }, 'after manage');
      assert.match(managed.provision_updated_at, ISO_TIME);

      await cli.ok('node', 'provide', 'cli-alpha', '--wait', '60');
      assert.deepEqual(await state('provision_state', 'target_provision_state', 'last_error'),
        { provision_state: 'available', target_provision_state: null, last_error: null }, 'after provide');

      await cli.ok('node', 'deploy', 'cli-alpha', '--wait', '60');
      const [deployed, active, refused] = await Promise.all([
        state('provision_state', 'target_provision_state', 'last_error', 'instance_info'),
        cli.lines('node', 'list', '--provision-state', 'active', '--limit', '0', '-c', 'Name'),
        cli.fails('node', 'deploy', 'cli-bravo'),
      ]);
      assert.deepEqual(deployed, {
        provision_state: 'active', target_provision_state: null, last_error: null,
        instance_info: { image_source: 'http://127.0.0.1/image.qcow2' },
      }, 'after deploy');
      assert.deepEqual(active, ['cli-alpha']);
      assert.match(refused.stderr,
        new RegExp(`The requested action "active" can not be performed on node "${nodes.bravo.uuid}" while it is in state "enroll"\\. \\(HTTP 400\\)`));

      await cli.ok('node', 'power', 'on', 'cli-alpha');
      assert.deepEqual(await state('power_state', 'target_power_state'), { power_state: 'power on', target_power_state: null });
      await cli.ok('node', 'power', 'off', 'cli-alpha');
      assert.deepEqual(await state('power_state', 'target_power_state'), { power_state: 'power off', target_power_state: null });
      await cli.ok('node', 'reboot', 'cli-alpha');
      assert.deepEqual(await state('power_state', 'target_power_state'), { power_state: 'power on', target_power_state: null },
        'a reboot of a node that is off leaves it on');

      await cli.ok('node', 'boot', 'device', 'set', 'cli-alpha', 'pxe', '--persistent');
      assert.deepEqual(await cli.json('node', 'boot', 'device', 'show', 'cli-alpha'), { boot_device: 'pxe', persistent: true });
      await cli.ok('node', 'boot', 'device', 'set', 'cli-alpha', 'cdrom');
      const [device, supported] = await Promise.all([
        cli.json('node', 'boot', 'device', 'show', 'cli-alpha'),
        cli.json('node', 'boot', 'device', 'show', 'cli-alpha', '--supported'),
      ]);
      assert.deepEqual(device, { boot_device: 'cdrom', persistent: false });
      assert.deepEqual(Object.keys(supported), ['supported_boot_devices']);
      const devices = String(supported.supported_boot_devices).split(', ');
      for (const d of ['pxe', 'cdrom']) assert.ok(devices.includes(d), `${d} among the supported boot devices: ${devices.join(', ')}`);

      await cli.ok('node', 'maintenance', 'set', 'cli-alpha', '--reason', 'fan swap');
      const [inMaintenance, maintenanceList] = await Promise.all([
        state('maintenance', 'maintenance_reason', 'provision_state'),
        cli.lines('node', 'list', '--maintenance', '--limit', '0', '-c', 'Name'),
      ]);
      assert.deepEqual(inMaintenance, { maintenance: true, maintenance_reason: 'fan swap', provision_state: 'active' });
      assert.deepEqual(maintenanceList, ['cli-alpha']);
      await cli.ok('node', 'maintenance', 'unset', 'cli-alpha');
      assert.deepEqual(await state('maintenance', 'maintenance_reason'), { maintenance: false, maintenance_reason: null });

      await cli.ok('node', 'undeploy', 'cli-alpha', '--wait', '60');
      assert.deepEqual(await state('provision_state', 'target_provision_state', 'last_error', 'instance_info'),
        { provision_state: 'available', target_provision_state: null, last_error: null, instance_info: {} }, 'after undeploy');
    });

    it('creates, lists, shows, sets, unsets and deletes ports and port groups', async () => {
      const bravo = nodes.bravo.uuid as string; // in enroll, where a port's wiring may change
      const group = await cli.json('port', 'group', 'create', '--node', bravo, '--name', 'bond0', '--address', MAC_GROUP,
        '--mode', '802.3ad', '--property', 'miimon=100', '--extra', 'lacp=fast', '--support-standalone-ports');
      assertKeys(group, client.portgroup.fields, 'port group create');
      assert.match(group.uuid, UUID);
      assertFields(group, {
        name: 'bond0', address: MAC_GROUP, node_uuid: bravo, mode: '802.3ad', properties: { miimon: 100 }, extra: { lacp: 'fast' },
        standalone_ports_supported: true, internal_info: {}, updated_at: null,
      }, 'port group create');

      const portA = await cli.json('port', 'create', MAC_A, '--node', bravo, '--port-group', group.uuid,
        '--local-link-connection', 'switch_id=00:11:22:33:44:55', '--local-link-connection', 'port_id=Eth1/7',
        '--local-link-connection', 'switch_info=tor1', '--physical-network', 'physnet1', '--extra', 'vif=none');
      const portB = await cli.json('port', 'create', MAC_B, '--node', bravo, '--pxe-enabled', 'false');
      for (const p of [portA, portB]) {
        assertKeys(p, client.port.fields, 'port create');
        assert.match(p.uuid, UUID);
        assert.match(p.created_at, ISO_TIME);
      }
      assertFields(portA, {
        address: MAC_A, node_uuid: bravo, portgroup_uuid: group.uuid, physical_network: 'physnet1', pxe_enabled: true,
        local_link_connection: { switch_id: '00:11:22:33:44:55', port_id: 'Eth1/7', switch_info: 'tor1' },
        extra: { vif: 'none' }, is_smartnic: false, internal_info: {}, updated_at: null,
      }, 'port create with a group');
      assertFields(portB, {
        address: MAC_B, node_uuid: bravo, portgroup_uuid: null, physical_network: null, pxe_enabled: false,
        local_link_connection: {}, extra: {},
      }, 'port create without a group');

      const [ports, nodePorts, groupPorts, shownA, byAddress, byNodeName] = await Promise.all([
        cli.json('port', 'list'),
        cli.json('port', 'list', '--node', 'cli-bravo', '--long'),
        cli.lines('port', 'list', '--port-group', 'bond0', '-c', 'Address'),
        cli.json('port', 'show', portA.uuid),
        cli.lines('port', 'show', '--address', MAC_B, '-c', 'uuid'),
        cli.fails('port', 'create', '52:54:00:12:34:58', '--node', 'cli-bravo'),
      ]);
      // A node name in a new port is for 1.94 and later; Ironic 21.4 said "Expected UUID for node_uuid: <name>".
      assert.match(byNodeName.stderr, /Expected (a )?UUID\b.*\bcli-bravo\b.*\(HTTP 400\)/);
      assert.deepEqual(ports, [{ UUID: portA.uuid, Address: MAC_A }, { UUID: portB.uuid, Address: MAC_B }]);
      assert.deepEqual(nodePorts.map((r: any) => [r.UUID, r['Node UUID'], r['Portgroup UUID'], r['Physical Network'], r['PXE boot enabled']]),
        [[portA.uuid, bravo, group.uuid, 'physnet1', true], [portB.uuid, bravo, null, null, false]], 'port list --node NAME --long');
      assert.deepEqual(groupPorts, [MAC_A]);
      assert.deepEqual(shownA, portA, 'port show = what port create returned');
      assert.deepEqual(byAddress, [portB.uuid]);

      const [groups, nodeGroups, shownGroup] = await Promise.all([
        cli.json('port', 'group', 'list'),
        cli.json('port', 'group', 'list', '--node', 'cli-bravo', '--long'),
        cli.json('port', 'group', 'show', 'bond0'),
      ]);
      assert.deepEqual(groups, [{ UUID: group.uuid, Address: MAC_GROUP, Name: 'bond0' }]);
      assert.deepEqual(nodeGroups.map((r: any) => [r.UUID, r.Name, r['Node UUID'], r.Mode, r.Properties, r['Standalone Ports Supported']]),
        [[group.uuid, 'bond0', bravo, '802.3ad', { miimon: 100 }, true]], 'port group list --node NAME --long');
      assert.deepEqual(shownGroup, group, 'port group show by name = what port group create returned');

      const notEmpty = await cli.fails('port', 'group', 'delete', 'bond0');
      assert.match(notEmpty.stderr, /Failed to delete port group bond0: +Cannot complete the requested action because portgroup \S+ contains ports\. \(HTTP 400\)/);

      await cli.ok('port', 'set', portA.uuid, '--extra', 'rack=7', '--physical-network', 'physnet2', '--pxe-disabled',
        '--local-link-connection', 'port_id=Eth1/8');
      let port = await cli.json('port', 'show', portA.uuid);
      assertFields(port, {
        extra: { vif: 'none', rack: 7 }, physical_network: 'physnet2', pxe_enabled: false, portgroup_uuid: group.uuid,
        local_link_connection: { switch_id: '00:11:22:33:44:55', port_id: 'Eth1/8', switch_info: 'tor1' },
      }, 'port show after port set');
      assert.match(port.updated_at, ISO_TIME);
      await cli.ok('port', 'unset', portA.uuid, '--extra', 'vif', '--physical-network', '--port-group');
      port = await cli.json('port', 'show', portA.uuid);
      assertFields(port, { extra: { rack: 7 }, physical_network: null, portgroup_uuid: null, address: MAC_A }, 'port show after port unset');

      await cli.ok('port', 'group', 'set', 'bond0', '--name', 'bond1', '--mode', 'active-backup', '--property', 'xmit_hash_policy=layer2',
        '--extra', 'owner=net', '--unsupport-standalone-ports');
      let shown = await cli.json('port', 'group', 'show', 'bond1');
      assertFields(shown, {
        uuid: group.uuid, name: 'bond1', mode: 'active-backup', properties: { miimon: 100, xmit_hash_policy: 'layer2' },
        extra: { lacp: 'fast', owner: 'net' }, standalone_ports_supported: false, address: MAC_GROUP,
      }, 'port group show after port group set');
      assert.match(shown.updated_at, ISO_TIME);
      await cli.ok('port', 'group', 'unset', 'bond1', '--extra', 'lacp', '--property', 'miimon');
      shown = await cli.json('port', 'group', 'show', group.uuid);
      assertFields(shown, { extra: { owner: 'net' }, properties: { xmit_hash_policy: 'layer2' } }, 'port group show after port group unset');

      const deletedPorts = await cli.ok('port', 'delete', portA.uuid, portB.uuid);
      assert.equal(deletedPorts.stdout, `Deleted port ${portA.uuid}\nDeleted port ${portB.uuid}\n`);
      const deletedGroup = await cli.ok('port', 'group', 'delete', 'bond1');
      assert.equal(deletedGroup.stdout, 'Deleted port group bond1\n');
      const [portsLeft, groupsLeft] = await Promise.all([cli.json('port', 'list'), cli.json('port', 'group', 'list')]);
      assert.deepEqual(portsLeft, []);
      assert.deepEqual(groupsLeft, []);
    });

    it('deletes the nodes, then their chassis', async () => {
      const busy = await cli.fails('chassis', 'delete', chassis.uuid);
      assert.match(busy.stderr, new RegExp(`Cannot complete the requested action because chassis ${chassis.uuid} contains nodes\\. \\(HTTP 400\\)`));

      const deleted = await cli.ok('node', 'delete', 'cli-alpha', 'cli-bravo', 'cli-charlie');
      assert.equal(deleted.stdout, 'Deleted node cli-alpha\nDeleted node cli-bravo\nDeleted node cli-charlie\n');
      const [gone, left] = await Promise.all([cli.fails('node', 'show', 'cli-alpha'), cli.json('node', 'list', '--limit', '0')]);
      assert.match(gone.stderr, /Node cli-alpha could not be found\. \(HTTP 404\)/);
      assert.deepEqual(left, []);

      const removed = await cli.ok('chassis', 'delete', chassis.uuid);
      assert.equal(removed.stdout, `Deleted chassis ${chassis.uuid}\n`);
      assert.deepEqual(await cli.json('chassis', 'list'), []);
    });
  });
}
