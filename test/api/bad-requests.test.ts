import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { testDialects } from '../helpers/databases.js';
import { apiClient, startTestService, waitFor, type TestService } from '../helpers/service.js';

/**
 * A corpus of bad requests: each gets the right 4xx in Ironic's error format, nothing answers 5xx, and the
 * database is exactly as it was afterwards.
 */

interface Case {
  name: string;
  method: string;
  path: string;
  body?: unknown;
  raw?: string;
  contentType?: string;
  version?: string | null;
  status: number;
}

const BIG = 'x'.repeat(1024 * 1024 + 10);
const MISSING = '00000000-0000-4000-8000-000000000000';

function corpus(ids: Record<string, string>): Case[] {
  const { active, enroll, available, port, portgroup, chassis, connector, target, template, allocation, fullChassis, groupWithPort } = ids;
  const cases: Case[] = [];
  const add = (status: number, method: string, path: string, extra: Partial<Case> = {}) =>
    cases.push({ name: `${method} ${path} ${extra.raw !== undefined ? 'raw' : JSON.stringify(extra.body ?? '').slice(0, 60)} v=${extra.version ?? '1.82'}`, method, path, status, ...extra });

  // Microversions
  for (const v of ['abc', '1', '1.', '.5', '2.0', '0.9', '1.83', '1.999', '1.0', '1.x', 'latest1', '1.1.1']) {
    add(406, 'GET', '/v1/nodes', { version: v });
  }
  add(406, 'POST', '/v1/nodes', { version: '3.1', body: { driver: 'fake-hardware' } });
  add(406, 'GET', '/v1', { version: '9.9' });

  // Query parameters of every collection
  const collections = ['/v1/nodes', '/v1/ports', '/v1/portgroups', '/v1/chassis', '/v1/allocations', '/v1/deploy_templates', '/v1/volume/connectors', '/v1/volume/targets', '/v1/conductors'];
  for (const c of collections) {
    add(400, 'GET', `${c}?limit=0`);
    add(400, 'GET', `${c}?limit=-5`);
    add(400, 'GET', `${c}?limit=abc`);
    add(400, 'GET', `${c}?sort_dir=sideways`);
    add(400, 'GET', `${c}?fields=bogus_field`);
    add(400, 'GET', `${c}?detail=true&fields=uuid`.replace('uuid', c.endsWith('conductors') ? 'hostname' : 'uuid'));
  }
  for (const c of ['/v1/nodes', '/v1/ports', '/v1/chassis']) {
    add(400, 'GET', `${c}?detail=maybe`);
    add(400, 'GET', `${c}?sort_key=bogus`);
    add(400, 'GET', `${c}?marker=not-a-uuid`);
    add(404, 'GET', `${c}?marker=${MISSING}`);
    add(400, 'GET', `${c}?unknown_filter=1`);
  }
  add(400, 'GET', '/v1/nodes?sort_key=driver_info');
  add(400, 'GET', '/v1/nodes?sort_key=properties');
  add(400, 'GET', '/v1/nodes?provision_state=sleeping');
  add(400, 'GET', '/v1/nodes?fault=sneezing');
  add(400, 'GET', '/v1/nodes?associated=perhaps');
  add(400, 'GET', '/v1/nodes?maintenance=perhaps');
  add(400, 'GET', '/v1/nodes?instance_uuid=nope');
  add(400, 'GET', '/v1/nodes?detail=true', { version: '1.42' });
  add(406, 'GET', '/v1/nodes?fields=name', { version: '1.7' });
  add(406, 'GET', '/v1/nodes?fields=owner', { version: '1.49' });
  add(406, 'GET', '/v1/nodes?resource_class=x', { version: '1.20' });
  add(406, 'GET', '/v1/nodes?conductor_group=x', { version: '1.45' });
  add(400, 'GET', '/v1/ports?address=zz:zz');
  add(400, 'GET', '/v1/portgroups?address=12345');

  // Resources that do not exist, or not yet at the requested version
  add(404, 'GET', `/v1/nodes/${MISSING}`);
  add(404, 'GET', '/v1/nodes/no-such-node');
  add(404, 'PATCH', `/v1/nodes/${MISSING}`, { body: [{ op: 'replace', path: '/description', value: 'x' }] });
  add(404, 'DELETE', `/v1/nodes/${MISSING}`);
  add(404, 'GET', `/v1/ports/${MISSING}`);
  add(400, 'GET', '/v1/ports/52:54:00:00:00:01');
  add(400, 'DELETE', '/v1/ports/not-a-uuid');
  add(404, 'GET', `/v1/portgroups/${MISSING}`);
  add(404, 'GET', `/v1/chassis/${MISSING}`);
  add(400, 'GET', '/v1/chassis/not-a-uuid');
  add(404, 'GET', `/v1/allocations/${MISSING}`);
  add(404, 'GET', `/v1/deploy_templates/${MISSING}`);
  add(404, 'GET', `/v1/volume/connectors/${MISSING}`);
  add(404, 'GET', `/v1/volume/targets/${MISSING}`);
  add(404, 'GET', '/v1/drivers/no-such-driver');
  add(404, 'GET', '/v1/conductors/no-such-host');
  add(404, 'GET', '/v1/no-such-resource');
  add(404, 'GET', '/v1/allocations', { version: '1.51' });
  add(404, 'GET', '/v1/portgroups', { version: '1.22' });
  add(404, 'GET', '/v1/volume/targets', { version: '1.31' });
  add(404, 'GET', '/v1/conductors', { version: '1.48' });
  add(404, 'GET', `/v1/nodes/${active}/history`, { version: '1.77' });
  add(405, 'POST', '/v1', { body: {} });
  add(405, 'DELETE', '/');

  // Bodies: malformed, wrong shape, unknown fields, wrong types, missing fields, too large, wrong type of content
  const creatable = ['/v1/nodes', '/v1/ports', '/v1/portgroups', '/v1/chassis', '/v1/allocations', '/v1/deploy_templates', '/v1/volume/connectors', '/v1/volume/targets'];
  for (const c of creatable) {
    add(400, 'POST', c, { raw: '{"driver": ' });
    add(400, 'POST', c, { raw: '[1, 2' });
    add(400, 'POST', c, { body: [1, 2, 3] });
    add(400, 'POST', c, { body: 'just a string' });
    add(400, 'POST', c, { body: { bogus_field: 1 } });
    add(413, 'POST', c, { raw: JSON.stringify({ description: BIG }) });
    add(415, 'POST', c, { raw: 'driver=fake-hardware', contentType: 'application/x-www-form-urlencoded' });
  }
  add(400, 'POST', '/v1/nodes', { body: {} });
  add(400, 'POST', '/v1/nodes', { body: { driver: 123 } });
  add(400, 'POST', '/v1/nodes', { body: { driver: '' } });
  add(400, 'POST', '/v1/nodes', { body: { driver: 'no-such-driver' } });
  add(400, 'POST', '/v1/nodes', { body: { driver: 'fake-hardware', name: 123 } });
  add(400, 'POST', '/v1/nodes', { body: { driver: 'fake-hardware', name: 'bad name with spaces' } });
  add(400, 'POST', '/v1/nodes', { body: { driver: 'fake-hardware', name: MISSING } });
  add(400, 'POST', '/v1/nodes', { body: { driver: 'fake-hardware', properties: 'cpus=4' } });
  add(400, 'POST', '/v1/nodes', { body: { driver: 'fake-hardware', driver_info: [1] } });
  add(400, 'POST', '/v1/nodes', { body: { driver: 'fake-hardware', uuid: 'not-a-uuid' } });
  add(400, 'POST', '/v1/nodes', { body: { driver: 'fake-hardware', chassis_uuid: 'nope' } });
  add(400, 'POST', '/v1/nodes', { body: { driver: 'fake-hardware', chassis_uuid: MISSING } });
  add(400, 'POST', '/v1/nodes', { body: { driver: 'fake-hardware', maintenance: 'perhaps' } });
  add(400, 'POST', '/v1/nodes', { body: { driver: 'fake-hardware', deploy_interface: 'ramdisk' } });
  add(400, 'POST', '/v1/nodes', { body: { driver: 'fake-hardware', power_interface: 'ipmitool' } });
  add(400, 'POST', '/v1/nodes', { body: { driver: 'fake-hardware', resource_class: 'x'.repeat(81) } });
  add(400, 'POST', '/v1/nodes', { body: { driver: 'fake-hardware', description: 'x'.repeat(4097) } });
  add(400, 'POST', '/v1/nodes', { body: { driver: 'fake-hardware', conductor_group: 'has space' } });
  add(400, 'POST', '/v1/nodes', { body: { driver: 'fake-hardware', protected_reason: 'no' } });
  add(400, 'POST', '/v1/nodes', { body: { driver: 'fake-hardware', provision_state: 'active' } });
  add(400, 'POST', '/v1/nodes', { body: { driver: 'fake-hardware', power_state: 'power on' } });
  add(400, 'POST', '/v1/nodes', { body: { driver: 'fake-hardware', reservation: 'me' } });
  add(400, 'POST', '/v1/nodes', { body: { driver: 'fake-hardware', traits: ['CUSTOM_X'] } });
  add(406, 'POST', '/v1/nodes', { body: { driver: 'fake-hardware', owner: 'x' }, version: '1.49' });
  add(406, 'POST', '/v1/nodes', { body: { driver: 'fake-hardware', name: 'n' }, version: '1.4' });
  add(409, 'POST', '/v1/nodes', { body: { driver: 'fake-hardware', name: 'bad-enroll' } });
  add(409, 'POST', '/v1/nodes', { body: { driver: 'fake-hardware', uuid: active } });
  add(400, 'POST', '/v1/ports', { body: { node_uuid: active } });
  add(400, 'POST', '/v1/ports', { body: { address: '52:54:00:00:11:22' } });
  add(400, 'POST', '/v1/ports', { body: { address: 'not-a-mac', node_uuid: active } });
  add(400, 'POST', '/v1/ports', { body: { address: '52:54:00:00:11:22', node_uuid: 'nope' } });
  add(400, 'POST', '/v1/ports', { body: { address: '52:54:00:00:11:22', node_uuid: MISSING } });
  add(400, 'POST', '/v1/ports', { body: { address: '52:54:00:00:11:22', node_uuid: active, pxe_enabled: 'perhaps' } });
  add(400, 'POST', '/v1/ports', { body: { address: '52:54:00:00:11:22', node_uuid: active, local_link_connection: { bogus: 1 } } });
  add(400, 'POST', '/v1/ports', { body: { address: '52:54:00:00:11:22', node_uuid: active, local_link_connection: { switch_id: 'zz', port_id: 'p1' } } });
  add(400, 'POST', '/v1/ports', { body: { address: '52:54:00:00:11:22', node_uuid: active, physical_network: 'x'.repeat(65) } });
  add(409, 'POST', '/v1/ports', { body: { address: '52:54:00:00:00:01', node_uuid: enroll } });
  add(400, 'POST', '/v1/portgroups', { body: { address: '52:54:00:00:11:33' } });
  add(400, 'POST', '/v1/portgroups', { body: { node_uuid: active, name: 'has space' } });
  add(400, 'POST', '/v1/portgroups', { body: { node_uuid: active, address: 'bad' } });
  add(409, 'POST', '/v1/portgroups', { body: { node_uuid: enroll, name: 'bond-existing' } });
  add(400, 'POST', '/v1/chassis', { body: { description: 'x'.repeat(256) } });
  add(400, 'POST', '/v1/chassis', { body: { extra: 'str' } });
  add(400, 'POST', '/v1/allocations', { body: { resource_class: 123 } });
  add(400, 'POST', '/v1/allocations', { body: { resource_class: 'x', traits: ['lower'] } });
  add(400, 'POST', '/v1/allocations', { body: { resource_class: 'x', candidate_nodes: 'n1' } });
  add(400, 'POST', '/v1/deploy_templates', { body: { name: 'lowercase', steps: [] } });
  add(400, 'POST', '/v1/deploy_templates', { body: { name: 'CUSTOM_OK', steps: 'x' } });
  add(400, 'POST', '/v1/deploy_templates', { body: { name: 'CUSTOM_OK', steps: [{ interface: 'deploy' }] } });
  add(400, 'POST', '/v1/volume/connectors', { body: { node_uuid: active, type: 'floppy', connector_id: 'c' } });
  add(400, 'POST', '/v1/volume/connectors', { body: { node_uuid: active, type: 'iqn' } });
  add(400, 'POST', '/v1/volume/targets', { body: { node_uuid: active, volume_type: 'iscsi', boot_index: -1, volume_id: 'v' } });
  add(400, 'POST', '/v1/volume/targets', { body: { node_uuid: active, volume_type: 'iscsi', boot_index: 'zero', volume_id: 'v' } });

  // JSON patches
  const nodePatch = (status: number, body: unknown, raw?: string) => add(status, 'PATCH', `/v1/nodes/${enroll}`, raw === undefined ? { body } : { raw });
  nodePatch(400, { op: 'replace', path: '/name', value: 'x' });
  nodePatch(400, []);
  nodePatch(400, [{ op: 'frobnicate', path: '/name', value: 'x' }]);
  nodePatch(400, [{ op: 'replace', value: 'x' }]);
  nodePatch(400, [{ op: 'replace', path: '/name' }]);
  nodePatch(400, [{ op: 'replace', path: 'name', value: 'x' }]);
  nodePatch(400, [{ op: 'replace', path: '/name', value: 'x', extra: 1 }]);
  for (const path of ['/provision_state', '/target_provision_state', '/power_state', '/target_power_state', '/reservation', '/traits', '/last_error', '/created_at', '/updated_at', '/id', '/inspection_started_at', '/raid_config', '/driver_internal_info', '/console_enabled', '/allocation_uuid', '/conductor', '/fault', '/boot_mode', '/clean_step']) {
    nodePatch(400, [{ op: 'replace', path, value: 'x' }]);
  }
  nodePatch(400, [{ op: 'remove', path: '/driver' }]);
  nodePatch(400, [{ op: 'remove', path: '/uuid' }]);
  nodePatch(400, [{ op: 'replace', path: '/uuid', value: MISSING }]);
  nodePatch(400, [{ op: 'remove', path: '/properties/not_there' }]);
  nodePatch(400, [{ op: 'replace', path: '/extra/a/b/c', value: 1 }]);
  nodePatch(400, [{ op: 'test', path: '/name', value: 'something else' }]);
  nodePatch(400, [{ op: 'replace', path: '/driver', value: 'no-such-driver' }]);
  nodePatch(400, [{ op: 'replace', path: '/deploy_interface', value: 'ramdisk' }]);
  nodePatch(400, [{ op: 'replace', path: '/properties', value: 'str' }]);
  nodePatch(400, [{ op: 'replace', path: '/maintenance', value: 'perhaps' }]);
  nodePatch(400, [{ op: 'replace', path: '/name', value: 'has space' }]);
  nodePatch(400, [{ op: 'replace', path: '/chassis_uuid', value: MISSING }]);
  nodePatch(400, [{ op: 'add', path: '/protected_reason', value: 'nope' }]);
  nodePatch(409, [{ op: 'replace', path: '/name', value: 'good-active' }]);
  nodePatch(409, [{ op: 'replace', path: '/protected', value: true }]);
  nodePatch(400, [{ op: 'replace', path: '/description', value: 'ok' }, { op: 'replace', path: '/provision_state', value: 'active' }]);
  nodePatch(400, undefined, '[{"op": "replace", "path": "/name", ');
  add(406, 'PATCH', `/v1/nodes/${enroll}`, { body: [{ op: 'replace', path: '/owner', value: 'x' }], version: '1.49' });
  add(406, 'PATCH', `/v1/nodes/${enroll}?reset_interfaces=true`, { body: [{ op: 'replace', path: '/driver', value: 'fake-hardware' }], version: '1.44' });
  add(400, 'PATCH', `/v1/nodes/${enroll}?reset_interfaces=true`, { body: [{ op: 'replace', path: '/description', value: 'x' }] });
  const portPatch = (status: number, body: unknown) => add(status, 'PATCH', `/v1/ports/${port}`, { body });
  portPatch(400, [{ op: 'replace', path: '/uuid', value: MISSING }]);
  portPatch(400, [{ op: 'remove', path: '/address' }]);
  portPatch(400, [{ op: 'remove', path: '/node_uuid' }]);
  portPatch(400, [{ op: 'replace', path: '/address', value: 'bad' }]);
  portPatch(400, [{ op: 'replace', path: '/node_uuid', value: 'bad' }]);
  portPatch(400, [{ op: 'replace', path: '/node_uuid', value: MISSING }]);
  portPatch(400, [{ op: 'replace', path: '/internal_info', value: {} }]);
  portPatch(400, [{ op: 'add', path: '/bogus', value: 1 }]);
  portPatch(400, [{ op: 'replace', path: '/pxe_enabled', value: 'perhaps' }]);
  portPatch(409, [{ op: 'replace', path: '/address', value: '52:54:00:00:00:02' }]);
  add(400, 'PATCH', `/v1/portgroups/${portgroup}`, { body: [{ op: 'replace', path: '/name', value: 'has space' }] });
  add(400, 'PATCH', `/v1/portgroups/${portgroup}`, { body: [{ op: 'remove', path: '/node_uuid' }] });
  add(400, 'PATCH', `/v1/portgroups/${portgroup}`, { body: [{ op: 'replace', path: '/uuid', value: MISSING }] });
  add(400, 'PATCH', `/v1/chassis/${chassis}`, { body: [{ op: 'replace', path: '/uuid', value: MISSING }] });
  add(400, 'PATCH', `/v1/chassis/${chassis}`, { body: [{ op: 'replace', path: '/description', value: 'x'.repeat(256) }] });
  add(400, 'PATCH', `/v1/chassis/${chassis}`, { body: { op: 'replace' } });
  add(400, 'PATCH', `/v1/volume/connectors/${connector}`, { body: [{ op: 'replace', path: '/type', value: 'floppy' }] });
  add(400, 'PATCH', `/v1/volume/targets/${target}`, { body: [{ op: 'replace', path: '/boot_index', value: -3 }] });
  add(400, 'PATCH', `/v1/deploy_templates/${template}`, { body: [{ op: 'replace', path: '/name', value: 'lowercase' }] });
  add(400, 'PATCH', `/v1/allocations/${allocation}`, { body: [{ op: 'replace', path: '/resource_class', value: 'y' }] });

  // Node actions
  const prov = (status: number, node: string, body: unknown, version?: string) =>
    add(status, 'PUT', `/v1/nodes/${node}/states/provision`, { body, version });
  prov(400, enroll, { target: 'levitate' });
  prov(400, enroll, { target: null });
  prov(400, enroll, { target: 7 });
  prov(400, enroll, {});
  prov(400, enroll, { target: 'provide' });
  prov(400, enroll, { target: 'active' });
  prov(400, enroll, { target: 'deleted' });
  prov(400, enroll, { target: 'manage', configdrive: 'abc' });
  prov(400, enroll, { target: 'manage', bogus: 1 });
  prov(400, available, { target: 'clean' });
  prov(400, available, { target: 'rescue' });
  prov(400, active, { target: 'rescue' });
  prov(400, active, { target: 'rescue', rescue_password: '' });
  prov(400, active, { target: 'active' });
  prov(400, active, { target: 'manage' });
  prov(400, available, { target: 'active', clean_steps: [] });
  prov(400, available, { target: 'active', configdrive: 12 });
  prov(406, enroll, { target: 'manage' }, '1.3');
  prov(406, available, { target: 'deploy' }, '1.72');
  prov(406, active, { target: 'service', service_steps: [] });
  prov(400, active, { target: 'rebuild', deploy_steps: 'x' });
  add(400, 'PUT', `/v1/nodes/${enroll}/states/power`, { body: { target: 'power sideways' } });
  add(400, 'PUT', `/v1/nodes/${enroll}/states/power`, { body: {} });
  add(400, 'PUT', `/v1/nodes/${enroll}/states/power`, { body: { target: 'power on', timeout: -1 } });
  add(400, 'PUT', `/v1/nodes/${enroll}/states/power`, { body: { target: 'power on', timeout: 'soon' } });
  add(406, 'PUT', `/v1/nodes/${enroll}/states/power`, { body: { target: 'soft power off' }, version: '1.26' });
  add(400, 'PUT', `/v1/nodes/${enroll}/management/boot_device`, { body: { boot_device: 'usb-stick' } });
  add(400, 'PUT', `/v1/nodes/${enroll}/management/boot_device`, { body: { boot_device: 'pxe', persistent: 'perhaps' } });
  add(400, 'PUT', `/v1/nodes/${enroll}/management/boot_device`, { body: { persistent: true } });
  add(400, 'PUT', `/v1/nodes/${enroll}/traits`, { body: { traits: 'CUSTOM_X' } });
  add(400, 'PUT', `/v1/nodes/${enroll}/traits`, { body: { traits: ['lowercase'] } });
  add(400, 'PUT', `/v1/nodes/${enroll}/traits`, { body: { traits: Array.from({ length: 51 }, (_, i) => `CUSTOM_${i}`) } });
  add(400, 'PUT', `/v1/nodes/${enroll}/traits/not_valid`);
  add(400, 'PUT', `/v1/nodes/${enroll}/traits/CUSTOM_${'X'.repeat(250)}`);
  add(404, 'DELETE', `/v1/nodes/${enroll}/traits/CUSTOM_NOT_THERE`);
  add(400, 'POST', `/v1/nodes/${enroll}/vifs`, { body: {} });
  add(400, 'POST', `/v1/nodes/${enroll}/vifs`, { body: { id: 'vif-1', port_uuid: 'bad' } });
  add(400, 'DELETE', `/v1/nodes/${enroll}/vifs/not-attached`);
  add(400, 'PUT', `/v1/nodes/${enroll}/maintenance`, { body: { reason: 42 } });
  add(400, 'PUT', `/v1/nodes/${enroll}/states/raid`, { body: { logical_disks: 'all' } });
  add(400, 'PUT', `/v1/nodes/${enroll}/states/console`, { body: { enabled: 'perhaps' } });
  add(404, 'PUT', `/v1/nodes/${MISSING}/states/power`, { body: { target: 'power on' } });

  // Deletions the rules forbid
  add(409, 'DELETE', `/v1/nodes/${active}`);
  add(400, 'DELETE', `/v1/chassis/${fullChassis}`);
  add(400, 'DELETE', `/v1/portgroups/${groupWithPort}`);
  return cases;
}

/** Every row of every table: what must not change. */
async function snapshot(svc: TestService): Promise<unknown> {
  const db = svc.service.store.database.db as any;
  const out: Record<string, unknown> = {};
  for (const table of ['nodes', 'ports', 'portgroups', 'chassis', 'node_history', 'allocations', 'deploy_templates', 'volume_connectors', 'volume_targets']) {
    out[table] = await db.selectFrom(table).selectAll().orderBy('id').execute();
  }
  return out;
}

function isIronicError(text: string): boolean {
  try {
    const outer = JSON.parse(text) as { error_message?: unknown };
    if (typeof outer.error_message !== 'string') return false;
    const inner = JSON.parse(outer.error_message) as Record<string, unknown>;
    if (typeof inner.faultstring === 'string') return inner.faultcode === 'Client' && 'debuginfo' in inner;
    return typeof inner.code === 'number' && typeof inner.title === 'string' && typeof inner.description === 'string';
  } catch {
    return false;
  }
}

for (const dialect of testDialects()) {
  describe(`bad requests on ${dialect}`, () => {
    let svc: TestService;
    let api: ReturnType<typeof apiClient>;
    const ids: Record<string, string> = {};

    before(async () => {
      svc = await startTestService(dialect);
      api = apiClient(svc.url, '1.82');
      const node = async (name: string, to: string[]) => {
        const { body } = await api.post('/v1/nodes', { driver: 'fake-hardware', name });
        for (const verb of to) {
          await api.put(`/v1/nodes/${body.uuid}/states/provision`, { target: verb });
          await svc.service.conductor.core.drain();
        }
        return body.uuid as string;
      };
      ids.enroll = await node('bad-enroll', []);
      ids.available = await node('bad-available', ['manage', 'provide']);
      ids.active = await node('good-active', ['manage', 'provide', 'active']);
      ids.port = (await api.post('/v1/ports', { address: '52:54:00:00:00:01', node_uuid: ids.enroll })).body.uuid;
      await api.post('/v1/ports', { address: '52:54:00:00:00:02', node_uuid: ids.enroll });
      ids.portgroup = (await api.post('/v1/portgroups', { node_uuid: ids.enroll, name: 'bond-existing' })).body.uuid;
      ids.groupWithPort = (await api.post('/v1/portgroups', { node_uuid: ids.available, name: 'bond-full' })).body.uuid;
      await api.post('/v1/ports', { address: '52:54:00:00:00:03', node_uuid: ids.available, portgroup_uuid: ids.groupWithPort });
      ids.chassis = (await api.post('/v1/chassis', { description: 'empty' })).body.uuid;
      ids.fullChassis = (await api.post('/v1/chassis', { description: 'full' })).body.uuid;
      await api.post('/v1/nodes', { driver: 'fake-hardware', name: 'in-chassis', chassis_uuid: ids.fullChassis });
      ids.connector = (await api.post('/v1/volume/connectors', { node_uuid: ids.enroll, type: 'iqn', connector_id: 'iqn.2026-11.test:1' })).body.uuid;
      ids.target = (await api.post('/v1/volume/targets', { node_uuid: ids.enroll, volume_type: 'iscsi', boot_index: 0, volume_id: 'vol-1' })).body.uuid;
      ids.template = (await api.post('/v1/deploy_templates', { name: 'CUSTOM_RAID', steps: [{ interface: 'raid', step: 'create_configuration', args: {}, priority: 10 }] })).body.uuid;
      ids.allocation = (await api.post('/v1/allocations', { resource_class: 'none-such' })).body.uuid;
      await waitFor(async () => ((await api.get(`/v1/allocations/${ids.allocation}`)).body.state !== 'allocating' ? true : undefined));
      for (const [k, v] of Object.entries(ids)) assert.ok(v, `setup created ${k}`);
    });
    after(() => svc.close());

    it('answers each bad request with the right 4xx in Ironic\'s format and changes nothing', async () => {
      const cases = corpus(ids);
      assert.ok(cases.length >= 200, `only ${cases.length} cases`);
      const before = await snapshot(svc);
      const wrong: string[] = [];
      // One at a time: requests that reserve the same node concurrently would rightly get 409 NodeLocked.
      for (const c of cases) {
        await (async () => {
          const r = await api.call(c.method, c.path, c.body, {
            version: c.version === undefined ? '1.82' : c.version,
            raw: c.raw,
            headers: c.contentType ? { 'Content-Type': c.contentType } : {},
          });
          if (r.status !== c.status) wrong.push(`${c.name}: expected ${c.status}, got ${r.status} ${r.text.slice(0, 200)}`);
          else if (!isIronicError(r.text)) wrong.push(`${c.name}: not Ironic's error format: ${r.text.slice(0, 200)}`);
        })();
      }
      await svc.service.conductor.core.drain();
      assert.deepEqual(wrong, []);
      assert.deepEqual(await snapshot(svc), before, 'the database is unchanged');
    });
  });
}
