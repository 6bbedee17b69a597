import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { testDialects } from '../helpers/databases.js';
import { apiClient, faultOf, startTestService, waitFor, type ApiResponse, type TestService } from '../helpers/service.js';
import { openDatabase, parseConnection } from '../../src/store/database.js';
import { Store } from '../../src/store/store.js';

/**
 * A corpus of bad requests. Each one must get the 4xx Ironic answers for it, in Ironic's error format
 * (`{"error_message": "<JSON>"}` holding faultcode/faultstring/debuginfo, or code/title/description for
 * framework-level errors), never a 5xx; and after the whole corpus every table must be exactly as before.
 *
 * The expected status of each entry follows Ironic master, the compatibility target: the controllers'
 * `args.validate`/JSON-schema checks (patch ops limited to add/replace/remove, paths matching `^(/[\w-]+)+$`),
 * `api_utils.check_allow_*` (406 for things newer than the request's version), the `validation.api_version`
 * decorators (404, or 405 for writes to allocations and deploy templates), pecan's 405 for methods a controller
 * lacks, the conductor's errors (NodeLocked/InvalidState 409, NodeProtected 403, ...), and the JSON body middleware
 * (413 above [api] max_json_body_size = 1 MiB, 400 when nested deeper than 25). Two families follow the issue and
 * Ferrite's body parser rather than Ironic, which has no equivalent: 415 for a body that is not JSON, and 400 (not
 * Ironic's accidental 500) for malformed JSON. Requests whose outcome depends on the network interface or on
 * policy are left out.
 */

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

interface BadRequest {
  /** What is wrong with the request, for the report. */
  why: string;
  method: Method;
  path: string;
  /** Sent JSON-encoded. */
  body?: unknown;
  /** Sent as is (instead of `body`). */
  raw?: string;
  contentType?: string;
  /** X-OpenStack-Ironic-API-Version; the default is the service's maximum, null sends no header. */
  version?: string | null;
  headers?: Record<string, string>;
  status: number;
}

/** What the corpus runs against, created before it runs. */
interface Seed {
  enroll: string;
  manageable: string;
  available: string;
  active: string;
  maint: string;
  protected: string;
  assoc: string;
  locked: string;
  inChassis: string;
  /** Takes the patches and trait changes a lax server might apply, so other cases keep their preconditions. */
  patchme: string;
  /** An available node only for the config drive case (a lax server would deploy it). */
  cdrive: string;
  /** A manageable node only for the empty clean_steps case (a lax server would clean it). */
  cleanme: string;
  chassisEmpty: string;
  chassisFull: string;
  port1: string;
  port2: string;
  port3: string;
  pgEmpty: string;
  pgFull: string;
  connector: string;
  target: string;
  template: string;
  allocation: string;
  /** Node UUID → its name. */
  nodeNames: Record<string, string>;
  /** UUID of a port, portgroup or volume record → the UUID of the node it belongs to. */
  owners: Record<string, string>;
}

const MAX = '1.82';
const MISSING = '5c4a6f0e-1d2b-4c3d-8e4f-00000000dead';
const INSTANCE = '1be26c0b-03f2-4d2d-ae87-c02d7f33c123';
const OVERSIZE = 'x'.repeat(1024 * 1024 + 64);
const STEP = { interface: 'deploy', step: 'erase_devices', args: {}, priority: 10 };
const MAC1 = '52:54:00:b0:00:01';
const MAC2 = '52:54:00:b0:00:02';
const MAC3 = '52:54:00:b0:00:03';

/** `{"d": {"d": ... }}` nested `depth` objects deep. */
function nested(depth: number): unknown {
  let v: unknown = 'bottom';
  for (let i = 0; i < depth; i++) v = { d: v };
  return v;
}

function corpus(s: Seed): BadRequest[] {
  const out: BadRequest[] = [];
  const add = (status: number, method: Method, path: string, why: string, extra: Partial<BadRequest> = {}) => {
    out.push({ why, method, path, status, ...extra });
  };
  const enroll = `/v1/nodes/${s.enroll}`;
  const patchme = `/v1/nodes/${s.patchme}`;
  const locked = `/v1/nodes/${s.locked}`;

  // ---- Microversion headers (Ironic: base.Version.parse_headers, v1 _check_version) ----
  for (const v of ['abc', '1', '1.', '.5', '1.x', 'x.1', '1.5.1', 'v1.5', '1_5', 'latest1', '1.2a', 'one.two']) {
    add(406, 'GET', '/v1/nodes', `malformed version header "${v}"`, { version: v });
  }
  for (const v of ['2.0', '0.9', '3.82', '2.1']) add(406, 'GET', '/v1/nodes', `major version ${v}`, { version: v });
  for (const v of ['1.0', '1.83', '1.99', '1.999', '1.115']) add(406, 'GET', '/v1/nodes', `minor version ${v} outside [1.1, ${MAX}]`, { version: v });
  for (const v of ['baremetal 1.83', 'baremetal 2.0', 'baremetal abc', 'baremetal 1.0']) {
    add(406, 'GET', '/v1/ports', `OpenStack-API-Version: ${v}`, { version: null, headers: { 'OpenStack-API-Version': v } });
  }
  add(406, 'GET', '/v1/nodes', 'OpenStack-API-Version (bad) takes precedence over X-OpenStack-Ironic-API-Version (good)', {
    headers: { 'OpenStack-API-Version': 'baremetal 2.0' },
  });
  add(406, 'GET', '/v1', 'version 9.9 on /v1', { version: '9.9' });
  add(406, 'POST', '/v1/nodes', 'create with version 1.83', { version: '1.83', body: { driver: 'fake-hardware', name: 'br-never-created' } });
  add(406, 'PATCH', enroll, 'patch with version 2.0', { version: '2.0', body: [{ op: 'replace', path: '/description', value: 'never' }] });
  add(406, 'DELETE', `/v1/nodes/${s.manageable}`, 'delete with a malformed version', { version: 'abc' });
  add(406, 'PUT', `/v1/nodes/${s.manageable}/states/provision`, 'provide with version 1.999', { version: '1.999', body: { target: 'provide' } });
  add(406, 'PUT', `${enroll}/maintenance`, 'maintenance with version 0.1', { version: '0.1', body: { reason: 'never' } });
  add(406, 'DELETE', `/v1/ports/${s.port2}`, 'port delete with version 1.0', { version: '1.0' });
  add(406, 'POST', '/v1/chassis', 'chassis create with version 3.0', { version: '3.0', body: { description: 'never' } });

  // ---- Endpoints that do not exist at the requested version ----
  add(404, 'GET', '/v1/portgroups', 'portgroups before 1.23', { version: '1.22' });
  add(404, 'POST', '/v1/portgroups', 'portgroup create before 1.23', { version: '1.22', body: { node_uuid: s.enroll } });
  add(404, 'GET', `${enroll}/portgroups`, 'node portgroups before 1.24', { version: '1.23' });
  add(404, 'GET', `/v1/portgroups/${s.pgFull}/ports`, 'portgroup ports before 1.24', { version: '1.23' });
  add(404, 'GET', '/v1/volume', 'volume before 1.32', { version: '1.31' });
  add(404, 'GET', '/v1/volume/connectors', 'volume connectors before 1.32', { version: '1.31' });
  add(404, 'POST', '/v1/volume/targets', 'volume target create before 1.32', {
    version: '1.31', body: { node_uuid: s.enroll, volume_type: 'iscsi', boot_index: 7, volume_id: 'never' },
  });
  add(404, 'GET', `${enroll}/volume`, 'node volume before 1.32', { version: '1.31' });
  add(404, 'GET', '/v1/conductors', 'conductors before 1.49', { version: '1.48' });
  add(404, 'GET', '/v1/conductors/test-conductor', 'conductor before 1.49', { version: '1.48' });
  add(404, 'GET', '/v1/allocations', 'allocations before 1.52', { version: '1.51' });
  add(405, 'POST', '/v1/allocations', 'allocation create before 1.52', { version: '1.51', body: { resource_class: 'br-none' } });
  add(405, 'DELETE', `/v1/allocations/${s.allocation}`, 'allocation delete before 1.52', { version: '1.51' });
  add(405, 'PATCH', `/v1/allocations/${s.allocation}`, 'allocation patch before 1.57', { version: '1.56', body: [{ op: 'replace', path: '/name', value: 'never' }] });
  add(404, 'GET', `/v1/nodes/${s.active}/allocation`, 'node allocation before 1.52', { version: '1.51' });
  add(404, 'GET', '/v1/deploy_templates', 'deploy templates before 1.55', { version: '1.54' });
  add(405, 'POST', '/v1/deploy_templates', 'deploy template create before 1.55', { version: '1.54', body: { name: 'CUSTOM_NEVER', steps: [STEP] } });
  add(404, 'GET', `${enroll}/vifs`, 'VIFs before 1.28', { version: '1.27' });
  add(404, 'POST', `${enroll}/vifs`, 'VIF attach before 1.28', { version: '1.27', body: { id: 'vif-never' } });
  add(404, 'GET', `${enroll}/bios`, 'BIOS before 1.40', { version: '1.39' });
  add(404, 'GET', `${enroll}/history`, 'history before 1.78', { version: '1.77' });
  add(404, 'PUT', `${enroll}/management/inject_nmi`, 'inject NMI before 1.29', { version: '1.28', body: {} });
  add(404, 'PUT', `${enroll}/states/boot_mode`, 'boot mode before 1.76', { version: '1.75', body: { target: 'uefi' } });
  add(404, 'PUT', `${enroll}/states/secure_boot`, 'secure boot before 1.76', { version: '1.75', body: { target: true } });
  add(406, 'GET', `${enroll}/traits`, 'traits read before 1.37', { version: '1.36' });
  add(405, 'PUT', `${enroll}/traits`, 'traits write before 1.37', { version: '1.36', body: { traits: [] } });
  add(404, 'DELETE', `${enroll}/traits`, 'traits delete before 1.37', { version: '1.36' });
  add(404, 'GET', '/v1/shards', 'shards before 1.82', { version: '1.81' });
  add(404, 'GET', `${enroll}/inventory`, 'inventory before 1.81', { version: '1.80' });
  add(404, 'GET', `${enroll}/children`, 'children (1.83) at 1.82');
  add(404, 'GET', `${enroll}/firmware`, 'firmware (1.86) at 1.82');
  add(404, 'GET', '/v1/runbooks', 'runbooks (1.92) at 1.82');
  add(404, 'GET', '/v1/no_such_collection', 'unknown collection');
  add(404, 'GET', `${enroll}/no_such_subresource`, 'unknown node sub-resource');

  // ---- Methods a resource does not have ----
  add(405, 'POST', '/v1', 'POST /v1', { body: {} });
  add(405, 'PUT', '/v1', 'PUT /v1', { body: {} });
  add(405, 'PATCH', '/v1', 'PATCH /v1', { body: [] });
  add(405, 'DELETE', '/v1', 'DELETE /v1');
  add(405, 'PUT', enroll, 'PUT on a node', { body: { driver: 'fake-hardware' } });
  add(405, 'PUT', `/v1/ports/${s.port1}`, 'PUT on a port', { body: { address: MAC1 } });
  add(405, 'PUT', `/v1/chassis/${s.chassisEmpty}`, 'PUT on a chassis', { body: { description: 'x' } });
  add(405, 'PUT', `/v1/portgroups/${s.pgEmpty}`, 'PUT on a portgroup', { body: { name: 'x' } });
  add(405, 'POST', '/v1/drivers', 'POST on drivers', { body: { name: 'x' } });
  add(405, 'DELETE', '/v1/drivers/fake-hardware', 'DELETE on a driver');
  add(405, 'POST', '/v1/conductors', 'POST on conductors', { body: { hostname: 'x' } });
  add(405, 'DELETE', '/v1/conductors/test-conductor', 'DELETE on a conductor');

  // ---- Query parameters ----
  const collections: [string, string][] = [
    ['/v1/nodes', 'uuid'], ['/v1/ports', 'uuid'], ['/v1/portgroups', 'uuid'], ['/v1/chassis', 'uuid'],
    ['/v1/allocations', 'uuid'], ['/v1/deploy_templates', 'uuid'], ['/v1/volume/connectors', 'uuid'],
    ['/v1/volume/targets', 'uuid'], ['/v1/conductors', 'hostname'],
  ];
  for (const [c, key] of collections) {
    add(400, 'GET', `${c}?limit=0`, 'limit=0');
    add(400, 'GET', `${c}?limit=abc`, 'limit not an integer');
    add(400, 'GET', `${c}?sort_dir=sideways`, 'unknown sort_dir');
    add(400, 'GET', `${c}?fields=bogus_field`, 'unknown field in fields');
    add(400, 'GET', `${c}?detail=true&fields=${key}`, 'detail and fields together');
  }
  for (const c of ['/v1/nodes', '/v1/ports', '/v1/portgroups', '/v1/chassis', '/v1/allocations', '/v1/deploy_templates', '/v1/volume/connectors', '/v1/volume/targets']) {
    add(404, 'GET', `${c}?marker=${MISSING}`, 'marker that does not exist');
  }
  for (const c of ['/v1/nodes', '/v1/ports', '/v1/portgroups', '/v1/chassis', '/v1/allocations', '/v1/volume/targets']) {
    add(400, 'GET', `${c}?marker=not-a-uuid`, 'marker not a UUID');
  }
  add(404, 'GET', '/v1/conductors?marker=ghost-host', 'conductor marker that does not exist');
  for (const key of ['driver_info', 'properties', 'extra', 'instance_info', 'driver_internal_info', 'clean_step', 'raid_config', 'target_raid_config', 'network_data', 'traits', 'no_such_column']) {
    add(400, 'GET', `/v1/nodes?sort_key=${key}`, `sort_key=${key} (JSON or unknown)`);
  }
  const unsortable: [string, string][] = [
    ['/v1/ports', 'local_link_connection'], ['/v1/ports', 'internal_info'], ['/v1/portgroups', 'properties'],
    ['/v1/chassis', 'extra'], ['/v1/allocations', 'candidate_nodes'], ['/v1/allocations', 'traits'],
    ['/v1/deploy_templates', 'steps'], ['/v1/volume/connectors', 'extra'], ['/v1/volume/targets', 'properties'],
    ['/v1/conductors', 'alive'], ['/v1/conductors', 'drivers'],
  ];
  for (const [c, key] of unsortable) add(400, 'GET', `${c}?sort_key=${key}`, `sort_key=${key} is not sortable`);
  add(400, 'GET', '/v1/nodes?limit=-1', 'negative limit');
  add(400, 'GET', '/v1/nodes?limit=1.5', 'fractional limit');
  add(400, 'GET', '/v1/nodes?limit=', 'empty limit');
  add(400, 'GET', '/v1/nodes?sort_dir=ASC', 'sort_dir is case sensitive');
  add(400, 'GET', '/v1/nodes?fields=uuid,bogus_field', 'one unknown field among known ones');
  add(406, 'GET', '/v1/nodes?fields=name', 'fields before 1.8', { version: '1.7' });
  add(406, 'GET', '/v1/nodes?fields=owner', 'fields=owner before 1.50', { version: '1.49' });
  add(406, 'GET', '/v1/nodes?fields=shard', 'fields=shard before 1.82', { version: '1.81' });
  add(400, 'GET', '/v1/nodes?detail=true', 'detail before 1.43', { version: '1.42' });
  add(400, 'GET', '/v1/nodes?detail=maybe', 'detail not a boolean');
  add(400, 'GET', '/v1/nodes?provision_state=sleeping', 'unknown provision state filter');
  add(406, 'GET', '/v1/nodes?provision_state=active', 'provision_state filter before 1.9', { version: '1.8' });
  add(400, 'GET', '/v1/nodes?associated=perhaps', 'associated not a boolean');
  add(400, 'GET', '/v1/nodes?maintenance=perhaps', 'maintenance not a boolean');
  add(400, 'GET', '/v1/nodes?retired=perhaps', 'retired not a boolean');
  add(400, 'GET', '/v1/nodes?fault=sneezing', 'unknown fault filter');
  add(400, 'GET', '/v1/nodes?instance_uuid=nope', 'instance_uuid filter not a UUID');
  add(400, 'GET', '/v1/nodes?chassis_uuid=nope', 'chassis_uuid filter not a UUID');
  const filterSince: [string, string][] = [
    ['driver=fake-hardware', '1.15'], ['resource_class=x', '1.20'], ['fault=power%20failure', '1.41'],
    ['conductor_group=x', '1.45'], ['conductor=x', '1.48'], ['owner=x', '1.49'], ['description_contains=x', '1.50'],
    ['retired=true', '1.60'], ['lessee=x', '1.64'], ['shard=x', '1.81'], ['sharded=true', '1.81'],
    ['parent_node=x', MAX], ['include_children=true', MAX], ['instance_name=x', MAX],
  ];
  for (const [q, v] of filterSince) add(406, 'GET', `/v1/nodes?${q}`, `node filter ${q.split('=')[0]} at ${v}`, { version: v });
  add(400, 'GET', '/v1/nodes/detail?limit=0', 'limit=0 on /detail');
  add(400, 'GET', '/v1/nodes/detail?sort_key=properties', 'sort_key=properties on /detail');
  add(404, 'GET', `/v1/nodes/detail?marker=${MISSING}`, 'missing marker on /detail');
  add(400, 'GET', `/v1/chassis/${s.chassisFull}/nodes?limit=0`, 'limit=0 on chassis nodes');
  add(400, 'GET', `${enroll}/ports?sort_dir=sideways`, 'sort_dir on node ports');
  add(400, 'GET', '/v1/ports?address=zz:zz', 'port address filter not a MAC');
  add(400, 'GET', '/v1/ports?node_uuid=nope', 'port node_uuid filter not a UUID');
  add(400, 'GET', '/v1/ports?node=bad%20name', 'port node filter not a UUID or name');
  add(406, 'GET', '/v1/ports?portgroup=x', 'port portgroup filter before 1.24', { version: '1.23' });
  add(406, 'GET', '/v1/ports?fields=physical_network', 'fields=physical_network before 1.34', { version: '1.33' });
  add(400, 'GET', '/v1/ports?detail=true', 'port detail before 1.43', { version: '1.42' });
  add(400, 'GET', '/v1/ports/detail?limit=abc', 'limit not an integer on /ports/detail');
  add(400, 'GET', '/v1/portgroups?address=12345', 'portgroup address filter not a MAC');
  add(400, 'GET', '/v1/portgroups?node=bad%20name', 'portgroup node filter not a UUID or name');
  add(406, 'GET', '/v1/portgroups?fields=mode', 'fields=mode before 1.26', { version: '1.25' });
  add(400, 'GET', '/v1/chassis?detail=maybe', 'chassis detail not a boolean');
  add(400, 'GET', '/v1/chassis?detail=true', 'chassis detail before 1.43', { version: '1.42' });
  add(406, 'GET', '/v1/allocations?fields=owner', 'fields=owner before 1.60', { version: '1.59' });
  add(400, 'GET', '/v1/deploy_templates?detail=maybe', 'deploy template detail not a boolean');
  add(400, 'GET', '/v1/volume/connectors?detail=maybe', 'volume connector detail not a boolean');
  add(400, 'GET', '/v1/conductors?detail=maybe', 'conductor detail not a boolean');
  add(400, 'GET', '/v1/drivers?type=bogus', 'unknown driver type');
  add(406, 'GET', '/v1/drivers?type=dynamic', 'driver type filter before 1.30', { version: '1.29' });
  add(406, 'GET', '/v1/drivers?detail=true', 'driver detail before 1.30', { version: '1.29' });
  add(400, 'GET', '/v1/drivers?detail=maybe', 'driver detail not a boolean');
  add(406, 'GET', '/v1/drivers?fields=name', 'driver fields before 1.77', { version: '1.76' });
  add(400, 'GET', '/v1/drivers?fields=bogus_field', 'unknown driver field');
  add(400, 'GET', '/v1/drivers/fake-hardware?fields=bogus_field', 'unknown driver field on one driver');
  add(400, 'GET', '/v1/drivers?detail=true&fields=name', 'driver detail and fields together');
  add(400, 'GET', `${enroll}/history?limit=0`, 'history limit=0');
  add(400, 'GET', `${enroll}/history?marker=not-a-uuid`, 'history marker not a UUID');
  add(400, 'GET', `${enroll}?fields=bogus_field`, 'unknown field on one node');
  add(406, 'GET', `${enroll}?fields=owner`, 'fields=owner on one node before 1.50', { version: '1.49' });
  add(400, 'GET', `/v1/ports/${s.port1}?fields=bogus_field`, 'unknown field on one port');
  add(400, 'GET', `/v1/chassis/${s.chassisEmpty}?fields=bogus_field`, 'unknown field on one chassis');

  // ---- Identifiers: missing (404) or not a valid UUID/name (400) ----
  const missingNode = `/v1/nodes/${MISSING}`;
  add(404, 'GET', missingNode, 'node that does not exist');
  add(404, 'GET', '/v1/nodes/ghost-node', 'node name that does not exist');
  add(404, 'PATCH', missingNode, 'patch a node that does not exist', { body: [{ op: 'replace', path: '/description', value: 'x' }] });
  add(404, 'DELETE', missingNode, 'delete a node that does not exist');
  add(404, 'GET', `${missingNode}/states`, 'states of a missing node');
  add(404, 'PUT', `${missingNode}/states/power`, 'power of a missing node', { body: { target: 'power on' } });
  add(404, 'PUT', `${missingNode}/states/provision`, 'provision a missing node', { body: { target: 'manage' } });
  add(404, 'PUT', `${missingNode}/maintenance`, 'maintenance of a missing node', { body: { reason: 'x' } });
  add(404, 'DELETE', `${missingNode}/maintenance`, 'end maintenance of a missing node');
  add(404, 'GET', `${missingNode}/traits`, 'traits of a missing node');
  add(404, 'PUT', `${missingNode}/traits`, 'set traits of a missing node', { body: { traits: ['CUSTOM_X'] } });
  add(404, 'GET', `${missingNode}/vifs`, 'VIFs of a missing node');
  add(404, 'GET', `${missingNode}/management/boot_device`, 'boot device of a missing node');
  add(404, 'PUT', `${missingNode}/management/boot_device`, 'set boot device of a missing node', { body: { boot_device: 'pxe' } });
  add(404, 'GET', `${missingNode}/validate`, 'validate a missing node');
  add(404, 'GET', `/v1/nodes/validate?node=${MISSING}`, 'validate a missing node by query');
  add(404, 'GET', `${missingNode}/ports`, 'ports of a missing node');
  add(404, 'GET', `${enroll}/history/${MISSING}`, 'history event that does not exist');
  add(404, 'GET', `${enroll}/allocation`, 'allocation of a node without one');
  add(404, 'DELETE', `${enroll}/allocation`, 'delete the allocation of a node without one');
  add(404, 'GET', `${enroll}/bios/no_such_setting`, 'BIOS setting that does not exist');
  add(404, 'GET', `/v1/ports/${MISSING}`, 'port that does not exist');
  add(404, 'PATCH', `/v1/ports/${MISSING}`, 'patch a port that does not exist', { body: [{ op: 'replace', path: '/extra/a', value: 1 }] });
  add(404, 'DELETE', `/v1/ports/${MISSING}`, 'delete a port that does not exist');
  add(404, 'GET', `/v1/portgroups/${MISSING}`, 'portgroup that does not exist');
  add(404, 'GET', '/v1/portgroups/ghost-bond', 'portgroup name that does not exist');
  add(404, 'DELETE', `/v1/portgroups/${MISSING}`, 'delete a portgroup that does not exist');
  add(404, 'GET', `/v1/chassis/${MISSING}`, 'chassis that does not exist');
  add(404, 'PATCH', `/v1/chassis/${MISSING}`, 'patch a chassis that does not exist', { body: [{ op: 'replace', path: '/description', value: 'x' }] });
  add(404, 'DELETE', `/v1/chassis/${MISSING}`, 'delete a chassis that does not exist');
  add(404, 'GET', `/v1/allocations/${MISSING}`, 'allocation that does not exist');
  add(404, 'GET', '/v1/allocations/ghost-alloc', 'allocation name that does not exist');
  add(404, 'DELETE', `/v1/allocations/${MISSING}`, 'delete an allocation that does not exist');
  add(404, 'GET', `/v1/deploy_templates/${MISSING}`, 'deploy template that does not exist');
  add(404, 'GET', '/v1/deploy_templates/CUSTOM_GHOST', 'deploy template name that does not exist');
  add(404, 'DELETE', `/v1/deploy_templates/${MISSING}`, 'delete a deploy template that does not exist');
  add(404, 'GET', `/v1/volume/connectors/${MISSING}`, 'volume connector that does not exist');
  add(404, 'DELETE', `/v1/volume/connectors/${MISSING}`, 'delete a volume connector that does not exist');
  add(404, 'GET', `/v1/volume/targets/${MISSING}`, 'volume target that does not exist');
  add(404, 'PATCH', `/v1/volume/targets/${MISSING}`, 'patch a volume target that does not exist', { body: [{ op: 'replace', path: '/extra/a', value: 1 }] });
  add(404, 'GET', '/v1/drivers/ghost-driver', 'driver that does not exist');
  add(404, 'GET', '/v1/drivers/ghost-driver/properties', 'properties of a driver that does not exist');
  add(404, 'GET', '/v1/drivers/ghost-driver/raid/logical_disk_properties', 'RAID properties of a driver that does not exist');
  add(406, 'GET', '/v1/drivers/fake-hardware/raid/logical_disk_properties', 'RAID properties before 1.12', { version: '1.11' });
  add(404, 'GET', '/v1/conductors/ghost-host', 'conductor that does not exist');
  add(404, 'GET', `/v1/nodes/${s.nodeNames[s.enroll]}`, 'node by name before names existed (1.5)', { version: '1.4' });
  const badNode = '/v1/nodes/bad%20name!';
  add(400, 'GET', badNode, 'node ident neither a UUID nor a valid name');
  add(400, 'PATCH', badNode, 'patch: node ident neither a UUID nor a valid name', { body: [{ op: 'replace', path: '/description', value: 'x' }] });
  add(400, 'DELETE', badNode, 'delete: node ident neither a UUID nor a valid name');
  add(400, 'GET', `${badNode}/states`, 'states: invalid node ident');
  add(400, 'PUT', `${badNode}/states/power`, 'power: invalid node ident', { body: { target: 'power on' } });
  add(400, 'PUT', `${badNode}/states/provision`, 'provision: invalid node ident', { body: { target: 'manage' } });
  add(400, 'PUT', `${badNode}/maintenance`, 'maintenance: invalid node ident', { body: { reason: 'x' } });
  add(400, 'GET', `${badNode}/traits`, 'traits: invalid node ident');
  add(400, 'GET', `/v1/nodes/${'a'.repeat(300)}`, 'node ident longer than 255 characters');
  add(400, 'GET', `/v1/nodes/${'a'.repeat(2000)}`, 'node ident of 2000 characters');
  add(400, 'GET', '/v1/nodes/%ZZ', 'invalid percent-encoding in the node ident');
  add(400, 'GET', '/v1/ports/bad%20port!', 'port ident neither a UUID nor a valid name');
  add(400, 'DELETE', '/v1/ports/bad%20port!', 'delete: invalid port ident');
  add(400, 'GET', '/v1/portgroups/bad%20bond!', 'portgroup ident neither a UUID nor a valid name');
  add(400, 'DELETE', '/v1/portgroups/bad%20bond!', 'delete: invalid portgroup ident');
  add(400, 'GET', '/v1/chassis/not-a-uuid', 'chassis ident not a UUID');
  add(400, 'PATCH', '/v1/chassis/not-a-uuid', 'patch: chassis ident not a UUID', { body: [{ op: 'replace', path: '/description', value: 'x' }] });
  add(400, 'DELETE', '/v1/chassis/not-a-uuid', 'delete: chassis ident not a UUID');
  add(400, 'GET', '/v1/allocations/bad%20alloc!', 'allocation ident neither a UUID nor a valid name');
  add(400, 'GET', '/v1/deploy_templates/bad%20template!', 'deploy template ident neither a UUID nor a valid name');
  add(400, 'GET', '/v1/volume/connectors/not-a-uuid', 'volume connector ident not a UUID');
  add(400, 'DELETE', '/v1/volume/connectors/not-a-uuid', 'delete: volume connector ident not a UUID');
  add(400, 'GET', '/v1/volume/targets/not-a-uuid', 'volume target ident not a UUID');

  // ---- Bodies: malformed, wrong shape, wrong content type, too large, empty, unknown fields ----
  const minimal: [string, Record<string, unknown>][] = [
    ['/v1/nodes', { driver: 'fake-hardware' }],
    ['/v1/ports', { address: '52:54:00:b0:ff:01', node_uuid: s.enroll }],
    ['/v1/portgroups', { node_uuid: s.enroll }],
    ['/v1/chassis', {}],
    ['/v1/allocations', { resource_class: 'br-none' }],
    ['/v1/deploy_templates', { name: 'CUSTOM_BR_NEVER', steps: [STEP] }],
    ['/v1/volume/connectors', { node_uuid: s.enroll, type: 'iqn', connector_id: 'iqn.2026-11.test:never' }],
    ['/v1/volume/targets', { node_uuid: s.enroll, volume_type: 'iscsi', boot_index: 7, volume_id: 'vol-never' }],
  ];
  for (const [c, ok] of minimal) {
    add(400, 'POST', c, 'truncated JSON', { raw: '{"driver": ' });
    add(400, 'POST', c, 'JSON with a trailing comma', { raw: '{"extra": {},}' });
    add(400, 'POST', c, 'single-quoted pseudo JSON', { raw: "{'extra': {}}" });
    add(400, 'POST', c, 'JSON array instead of an object', { body: [ok] });
    add(400, 'POST', c, 'JSON string instead of an object', { body: 'just a string' });
    add(400, 'POST', c, 'unknown field', { body: { ...ok, bogus_field: 1 } });
    add(413, 'POST', c, 'body larger than [api] max_body_bytes', { raw: JSON.stringify({ ...ok, extra: { blob: OVERSIZE } }) });
    add(415, 'POST', c, 'XML body', { raw: '<node><driver>fake-hardware</driver></node>', contentType: 'application/xml' });
    add(415, 'POST', c, 'text/plain body', { raw: 'driver: fake-hardware', contentType: 'text/plain' });
    if (c !== '/v1/chassis') add(400, 'POST', c, 'empty JSON body', { raw: '' });
  }
  add(400, 'POST', '/v1/nodes', 'JSON number instead of an object', { body: 42 });
  add(400, 'POST', '/v1/nodes', 'JSON null instead of an object', { raw: 'null' });
  add(400, 'POST', '/v1/nodes', 'no body and no Content-Type');
  add(400, 'POST', '/v1/chassis', 'JSON nested deeper than Ironic allows (25)', { body: { description: 'deep', extra: nested(64) as Record<string, unknown> } });
  add(400, 'PUT', `${enroll}/states/power`, 'power: truncated JSON', { raw: '{"target": "power on"' });
  add(400, 'PUT', `${enroll}/states/power`, 'power: JSON array', { body: [{ target: 'power on' }] });
  add(400, 'PUT', `${enroll}/states/power`, 'power: JSON string', { body: 'power on' });
  add(400, 'PUT', `${enroll}/states/power`, 'power: empty body', { raw: '' });
  add(413, 'PUT', `${enroll}/states/power`, 'power: body too large', { raw: JSON.stringify({ target: 'power on', pad: OVERSIZE }) });
  add(415, 'PUT', `${enroll}/states/power`, 'power: text/plain body', { raw: 'power on', contentType: 'text/plain' });
  add(400, 'PUT', `${enroll}/states/provision`, 'provision: truncated JSON', { raw: '{"target": ' });
  add(400, 'PUT', `${enroll}/states/provision`, 'provision: JSON array', { body: ['manage'] });
  add(400, 'PUT', `${enroll}/states/provision`, 'provision: empty body', { raw: '' });
  add(415, 'PUT', `${enroll}/states/provision`, 'provision: XML body', { raw: '<target>manage</target>', contentType: 'application/xml' });
  add(400, 'PATCH', enroll, 'patch: truncated JSON', { raw: '[{"op": "replace", "path": "/description", ' });
  add(400, 'PATCH', enroll, 'patch: an object, not a list', { body: { op: 'replace', path: '/description', value: 'x' } });
  add(400, 'PATCH', enroll, 'patch: a string', { body: 'replace /description' });
  add(400, 'PATCH', enroll, 'patch: null', { raw: 'null' });
  add(400, 'PATCH', enroll, 'patch: empty body', { raw: '' });
  add(413, 'PATCH', enroll, 'patch: body too large', { body: [{ op: 'replace', path: '/description', value: OVERSIZE }] });
  add(415, 'PATCH', enroll, 'patch: text/plain body', { raw: 'description=x', contentType: 'text/plain' });
  add(400, 'PATCH', enroll, 'patch: a list of strings', { body: ['replace', '/description', 'x'] });
  add(400, 'PUT', `${enroll}/traits`, 'traits: truncated JSON', { raw: '{"traits": [' });
  add(400, 'PUT', `${enroll}/traits`, 'traits: JSON array', { body: ['CUSTOM_X'] });
  add(413, 'PUT', `${enroll}/traits`, 'traits: body too large', { body: { traits: [`CUSTOM_${OVERSIZE}`] } });
  add(400, 'PUT', `${enroll}/maintenance`, 'maintenance: truncated JSON', { raw: '{"reason": "x' });
  add(415, 'PUT', `${enroll}/maintenance`, 'maintenance: text/plain body', { raw: 'reason', contentType: 'text/plain' });
  add(413, 'PUT', `${enroll}/maintenance`, 'maintenance: body too large', { body: { reason: OVERSIZE } });
  add(400, 'POST', `${enroll}/vifs`, 'VIF: truncated JSON', { raw: '{"id": ' });
  add(415, 'POST', `${enroll}/vifs`, 'VIF: text/plain body', { raw: 'vif-1', contentType: 'text/plain' });
  add(400, 'PUT', `${enroll}/management/boot_device`, 'boot device: JSON array', { body: ['pxe'] });
  add(400, 'PUT', `${enroll}/management/boot_device`, 'boot device: truncated JSON', { raw: '{"boot_device": "pxe"' });

  // ---- Node create ----
  const node = (status: number, why: string, body: Record<string, unknown>, version?: string) =>
    add(status, 'POST', '/v1/nodes', why, { body: { driver: 'fake-hardware', ...body }, version });
  add(400, 'POST', '/v1/nodes', 'no driver', { body: { name: 'br-no-driver' } });
  add(400, 'POST', '/v1/nodes', 'driver not a string', { body: { driver: 123 } });
  add(400, 'POST', '/v1/nodes', 'driver empty', { body: { driver: '' } });
  add(400, 'POST', '/v1/nodes', 'driver null', { body: { driver: null } });
  add(400, 'POST', '/v1/nodes', 'unknown driver', { body: { driver: 'no-such-driver' } });
  node(400, 'name not a string', { name: 123 });
  node(400, 'name with spaces', { name: 'bad name' });
  node(400, 'name that is a UUID', { name: MISSING });
  node(400, 'name with "_" before 1.10 (host names only)', { name: 'bad_name' }, '1.9');
  node(400, 'name longer than 255', { name: 'n'.repeat(256) });
  node(400, 'properties not an object', { properties: 'cpus=4' });
  node(400, 'driver_info a list', { driver_info: [1] });
  node(400, 'extra a number', { extra: 5 });
  node(400, 'instance_info a string', { instance_info: 'image' });
  node(400, 'uuid not a UUID', { uuid: 'not-a-uuid' });
  node(400, 'instance_uuid not a UUID', { instance_uuid: 'nope' });
  node(400, 'chassis_uuid not a UUID', { chassis_uuid: 'nope' });
  node(400, 'chassis that does not exist', { chassis_uuid: MISSING });
  node(400, 'maintenance not a boolean', { maintenance: 'perhaps' });
  node(400, 'automated_clean not a boolean', { automated_clean: 'perhaps' });
  node(400, 'unknown deploy interface', { deploy_interface: 'no-such-deploy' });
  node(400, 'power interface the hardware type does not support', { power_interface: 'ipmitool' });
  node(400, 'resource_class longer than 80', { resource_class: 'r'.repeat(81) });
  node(400, 'description longer than 4096', { description: 'd'.repeat(4097) });
  node(400, 'conductor_group with a space', { conductor_group: 'has space' });
  node(400, 'provision_state is read-only', { provision_state: 'active' });
  node(400, 'power_state is read-only', { power_state: 'power on' });
  node(400, 'reservation is read-only', { reservation: 'me' });
  node(400, 'traits are set through /traits', { traits: ['CUSTOM_X'] });
  node(400, 'last_error is read-only', { last_error: 'boom' });
  node(400, 'protected is not accepted on create', { protected: true });
  node(400, 'protected_reason is not accepted on create', { protected_reason: 'no' });
  node(406, 'owner before 1.50', { owner: 'x' }, '1.49');
  node(406, 'name before 1.5', { name: 'br-too-early' }, '1.4');
  node(406, 'resource_class before 1.21', { resource_class: 'x' }, '1.20');
  node(406, 'network_interface before 1.20', { network_interface: 'noop' }, '1.19');
  node(406, 'conductor_group before 1.46', { conductor_group: 'x' }, '1.45');
  node(406, 'parent_node (1.83) at 1.82', { parent_node: s.enroll });
  node(406, 'firmware_interface (1.86) at 1.82', { firmware_interface: 'fake' });
  node(406, 'disable_power_off (1.95) at 1.82', { disable_power_off: true });
  node(406, 'instance_name (1.104) at 1.82', { instance_name: 'vm-1' });
  node(409, 'name already taken', { name: s.nodeNames[s.enroll] });
  node(409, 'UUID already taken', { uuid: s.active });
  node(409, 'instance_uuid already associated with another node', { instance_uuid: INSTANCE });

  // ---- Other creates ----
  const port = (status: number, why: string, body: Record<string, unknown>, version?: string) =>
    add(status, 'POST', '/v1/ports', why, { body, version });
  port(400, 'no node_uuid', { address: '52:54:00:b0:ff:02' });
  port(400, 'no address', { node_uuid: s.enroll });
  port(400, 'address not a MAC', { address: 'not-a-mac', node_uuid: s.enroll });
  port(400, 'node_uuid not a UUID', { address: '52:54:00:b0:ff:03', node_uuid: 'nope' });
  port(400, 'node that does not exist', { address: '52:54:00:b0:ff:04', node_uuid: MISSING });
  port(400, 'pxe_enabled not a boolean', { address: '52:54:00:b0:ff:05', node_uuid: s.enroll, pxe_enabled: 'perhaps' });
  port(400, 'unknown local_link_connection key', { address: '52:54:00:b0:ff:06', node_uuid: s.enroll, local_link_connection: { bogus: 1 } });
  port(400, 'switch_id neither a MAC nor a datapath ID', { address: '52:54:00:b0:ff:07', node_uuid: s.enroll, local_link_connection: { switch_id: 'zz', port_id: 'p1' } });
  port(400, 'physical_network longer than 64', { address: '52:54:00:b0:ff:08', node_uuid: s.enroll, physical_network: 'p'.repeat(65) });
  port(400, 'physical_network empty', { address: '52:54:00:b0:ff:09', node_uuid: s.enroll, physical_network: '' });
  port(400, 'portgroup that does not exist', { address: '52:54:00:b0:ff:0a', node_uuid: s.enroll, portgroup_uuid: MISSING });
  port(400, 'portgroup of another node', { address: '52:54:00:b0:ff:0b', node_uuid: s.enroll, portgroup_uuid: s.pgFull });
  port(400, 'smart NIC without hostname and port_id', { address: '52:54:00:b0:ff:0c', node_uuid: s.enroll, is_smartnic: true });
  port(406, 'port name (1.88) at 1.82', { address: '52:54:00:b0:ff:0d', node_uuid: s.enroll, name: 'eth0' });
  port(406, 'port description (1.97) at 1.82', { address: '52:54:00:b0:ff:0e', node_uuid: s.enroll, description: 'nic' });
  port(406, 'node_ident (1.94) at 1.82', { address: '52:54:00:b0:ff:0f', node_ident: s.nodeNames[s.enroll] });
  port(406, 'pxe_enabled before 1.19', { address: '52:54:00:b0:ff:10', node_uuid: s.enroll, pxe_enabled: false }, '1.18');
  port(406, 'physical_network before 1.34', { address: '52:54:00:b0:ff:11', node_uuid: s.enroll, physical_network: 'p' }, '1.33');
  port(406, 'local_link_connection.network_type before 1.64', { address: '52:54:00:b0:ff:12', node_uuid: s.enroll, local_link_connection: { network_type: 'unmanaged' } }, '1.63');
  port(409, 'MAC address already taken', { address: MAC1, node_uuid: s.manageable });
  const pg = (status: number, why: string, body: Record<string, unknown>, version?: string) =>
    add(status, 'POST', '/v1/portgroups', why, { body, version });
  pg(400, 'no node_uuid', { name: 'br-bond-x' });
  pg(400, 'name with a space', { node_uuid: s.enroll, name: 'has space' });
  pg(400, 'address not a MAC', { node_uuid: s.enroll, address: 'bad' });
  pg(400, 'node that does not exist', { node_uuid: MISSING });
  pg(400, 'node_uuid not a UUID', { node_uuid: 'nope' });
  pg(400, 'standalone_ports_supported not a boolean', { node_uuid: s.enroll, standalone_ports_supported: 'perhaps' });
  pg(406, 'mode before 1.26', { node_uuid: s.enroll, mode: 'active-backup' }, '1.25');
  pg(409, 'name already taken', { node_uuid: s.enroll, name: 'br-bond-empty' });
  add(400, 'POST', '/v1/chassis', 'description longer than 255', { body: { description: 'c'.repeat(256) } });
  add(400, 'POST', '/v1/chassis', 'extra a string', { body: { extra: 'str' } });
  add(400, 'POST', '/v1/chassis', 'uuid not a UUID', { body: { uuid: 'nope' } });
  add(409, 'POST', '/v1/chassis', 'chassis UUID already taken', { body: { uuid: s.chassisEmpty } });
  const alloc = (status: number, why: string, body: Record<string, unknown>) => add(status, 'POST', '/v1/allocations', why, { body });
  alloc(400, 'neither resource_class nor node', {});
  alloc(400, 'resource_class not a string', { resource_class: 123 });
  alloc(400, 'resource_class longer than 80', { resource_class: 'r'.repeat(81) });
  alloc(400, 'lower-case trait', { resource_class: 'br-none', traits: ['lowercase'] });
  alloc(400, 'candidate_nodes not a list', { resource_class: 'br-none', candidate_nodes: 'n1' });
  alloc(400, 'name with a space', { resource_class: 'br-none', name: 'has space' });
  alloc(400, 'uuid not a UUID', { resource_class: 'br-none', uuid: 'nope' });
  alloc(409, 'allocation name already taken', { resource_class: 'br-none', name: 'br-alloc' });
  const tmpl = (status: number, why: string, body: Record<string, unknown>) => add(status, 'POST', '/v1/deploy_templates', why, { body });
  tmpl(400, 'name not a trait', { name: 'lowercase', steps: [STEP] });
  tmpl(400, 'no steps', { name: 'CUSTOM_BR_X' });
  tmpl(400, 'steps not a list', { name: 'CUSTOM_BR_X', steps: 'x' });
  tmpl(400, 'empty steps', { name: 'CUSTOM_BR_X', steps: [] });
  tmpl(400, 'step missing its fields', { name: 'CUSTOM_BR_X', steps: [{ interface: 'deploy' }] });
  tmpl(400, 'step of an unknown interface', { name: 'CUSTOM_BR_X', steps: [{ ...STEP, interface: 'bogus' }] });
  tmpl(400, 'negative step priority', { name: 'CUSTOM_BR_X', steps: [{ ...STEP, priority: -1 }] });
  tmpl(400, 'duplicate steps', { name: 'CUSTOM_BR_X', steps: [STEP, STEP] });
  tmpl(409, 'deploy template name already taken', { name: 'CUSTOM_BR_RAID', steps: [STEP] });
  const conn = (status: number, why: string, body: Record<string, unknown>) => add(status, 'POST', '/v1/volume/connectors', why, { body });
  conn(400, 'unknown connector type', { node_uuid: s.enroll, type: 'floppy', connector_id: 'c' });
  conn(400, 'no connector_id', { node_uuid: s.enroll, type: 'iqn' });
  conn(400, 'no node_uuid', { type: 'iqn', connector_id: 'iqn.2026-11.test:x' });
  conn(400, 'node that does not exist', { node_uuid: MISSING, type: 'iqn', connector_id: 'iqn.2026-11.test:y' });
  conn(409, 'type and connector_id already taken', { node_uuid: s.enroll, type: 'iqn', connector_id: 'iqn.2026-11.test:br' });
  const tgt = (status: number, why: string, body: Record<string, unknown>) => add(status, 'POST', '/v1/volume/targets', why, { body });
  tgt(400, 'negative boot_index', { node_uuid: s.enroll, volume_type: 'iscsi', boot_index: -1, volume_id: 'v' });
  tgt(400, 'boot_index not an integer', { node_uuid: s.enroll, volume_type: 'iscsi', boot_index: 'zero', volume_id: 'v' });
  tgt(400, 'no volume_id', { node_uuid: s.enroll, volume_type: 'iscsi', boot_index: 3 });
  tgt(400, 'no volume_type', { node_uuid: s.enroll, boot_index: 3, volume_id: 'v' });
  tgt(400, 'node that does not exist', { node_uuid: MISSING, volume_type: 'iscsi', boot_index: 3, volume_id: 'v' });
  tgt(409, 'boot_index already used on the node', { node_uuid: s.enroll, volume_type: 'iscsi', boot_index: 0, volume_id: 'vol-dup' });

  // ---- Node patches (JSON patch documents and Ironic's patch rules) ----
  const np = (status: number, why: string, patch: unknown, path = enroll, version?: string) =>
    add(status, 'PATCH', path, why, { body: patch, version });
  np(400, 'unknown op', [{ op: 'frobnicate', path: '/description', value: 'x' }]);
  np(400, 'no op', [{ path: '/description', value: 'x' }]);
  np(400, 'no path', [{ op: 'replace', value: 'x' }]);
  np(400, 'replace without a value', [{ op: 'replace', path: '/description' }]);
  np(400, 'add without a value', [{ op: 'add', path: '/extra/k' }]);
  np(400, 'path without a leading slash', [{ op: 'replace', path: 'description', value: 'x' }]);
  np(400, 'path "/"', [{ op: 'replace', path: '/', value: 'x' }]);
  np(400, 'empty path', [{ op: 'replace', path: '', value: 'x' }]);
  np(400, 'path with a trailing slash', [{ op: 'add', path: '/extra/', value: 'x' }], patchme);
  np(400, 'path with a "." (not a JSON-pointer token Ironic accepts before 1.98)', [{ op: 'add', path: '/extra/a.b', value: 'x' }], patchme);
  np(400, 'path with an escaped "~1" before 1.98', [{ op: 'add', path: '/extra/a~1b', value: 'x' }], patchme);
  np(400, 'path not a string', [{ op: 'replace', path: 5, value: 'x' }]);
  np(400, 'operation with an unknown key', [{ op: 'replace', path: '/description', value: 'x', extra: 1 }]);
  np(400, 'operation not an object', ['replace']);
  np(400, 'op "test" (Ironic allows add/replace/remove)', [{ op: 'test', path: '/driver', value: 'fake-hardware' }], patchme);
  np(400, 'op "move"', [{ op: 'move', from: '/extra/a', path: '/extra/b' }], patchme);
  np(400, 'op "copy"', [{ op: 'copy', from: '/name', path: '/description' }], patchme);
  for (const field of [
    'provision_state', 'target_provision_state', 'power_state', 'target_power_state', 'reservation', 'traits',
    'last_error', 'created_at', 'updated_at', 'provision_updated_at', 'id', 'driver_internal_info', 'console_enabled',
    'raid_config', 'target_raid_config', 'clean_step', 'deploy_step', 'fault', 'allocation_uuid', 'conductor',
    'inspection_started_at', 'boot_mode', 'secure_boot', 'links', 'ports', 'states', 'no_such_field',
  ]) {
    np(400, `/${field} cannot be patched`, [{ op: 'replace', path: `/${field}`, value: field === 'traits' ? ['CUSTOM_X'] : 'x' }]);
  }
  np(400, 'add to /provision_state', [{ op: 'add', path: '/provision_state', value: 'active' }]);
  np(400, 'remove /reservation', [{ op: 'remove', path: '/reservation' }]);
  np(400, 'replace /uuid', [{ op: 'replace', path: '/uuid', value: MISSING }]);
  np(400, 'remove /uuid', [{ op: 'remove', path: '/uuid' }]);
  np(400, 'remove /driver', [{ op: 'remove', path: '/driver' }]);
  np(400, 'remove a key that does not exist', [{ op: 'remove', path: '/properties/not_there' }]);
  np(400, 'replace below a key that does not exist', [{ op: 'replace', path: '/extra/a/b/c', value: 1 }]);
  np(400, 'a valid operation followed by a forbidden one', [{ op: 'replace', path: '/description', value: 'ok' }, { op: 'replace', path: '/provision_state', value: 'active' }]);
  np(400, 'unknown driver', [{ op: 'replace', path: '/driver', value: 'no-such-driver' }]);
  np(400, 'empty driver', [{ op: 'replace', path: '/driver', value: '' }]);
  np(400, 'unknown deploy interface', [{ op: 'replace', path: '/deploy_interface', value: 'no-such-deploy' }]);
  np(400, 'properties a string', [{ op: 'replace', path: '/properties', value: 'str' }]);
  np(400, 'driver_info a list', [{ op: 'replace', path: '/driver_info', value: [1] }]);
  np(400, 'extra a number', [{ op: 'replace', path: '/extra', value: 5 }]);
  np(400, 'maintenance not a boolean', [{ op: 'replace', path: '/maintenance', value: 'perhaps' }]);
  np(400, 'name with a space', [{ op: 'replace', path: '/name', value: 'has space' }]);
  np(400, 'name that is a UUID', [{ op: 'replace', path: '/name', value: MISSING }]);
  np(400, 'chassis that does not exist', [{ op: 'replace', path: '/chassis_uuid', value: MISSING }]);
  np(400, 'chassis_uuid not a UUID', [{ op: 'replace', path: '/chassis_uuid', value: 'nope' }]);
  np(400, 'instance_uuid not a UUID', [{ op: 'replace', path: '/instance_uuid', value: 'nope' }]);
  np(400, 'resource_class longer than 80', [{ op: 'replace', path: '/resource_class', value: 'r'.repeat(81) }]);
  np(400, 'description longer than 4096', [{ op: 'replace', path: '/description', value: 'd'.repeat(4097) }]);
  np(400, 'conductor_group with a space', [{ op: 'replace', path: '/conductor_group', value: 'has space' }]);
  np(400, 'protected_reason without protected', [{ op: 'add', path: '/protected_reason', value: 'nope' }]);
  np(400, 'retired_reason without retired', [{ op: 'add', path: '/retired_reason', value: 'nope' }]);
  np(400, 'network_data not matching the network data schema', [{ op: 'add', path: '/network_data', value: { links: 'nope' } }], patchme);
  np(400, 'JSON nested deeper than Ironic allows (25)', [{ op: 'add', path: '/extra/deep', value: nested(64) }], patchme);
  np(400, 'reset_interfaces without a driver change', [{ op: 'replace', path: '/description', value: 'x' }], `${enroll}?reset_interfaces=true`);
  np(400, 'reset_interfaces not a boolean', [{ op: 'replace', path: '/driver', value: 'fake-hardware' }], `${enroll}?reset_interfaces=perhaps`);
  np(406, 'reset_interfaces before 1.45', [{ op: 'replace', path: '/driver', value: 'fake-hardware' }], `${enroll}?reset_interfaces=true`, '1.44');
  np(406, 'owner before 1.50', [{ op: 'replace', path: '/owner', value: 'x' }], enroll, '1.49');
  np(406, 'resource_class before 1.21', [{ op: 'replace', path: '/resource_class', value: 'x' }], enroll, '1.20');
  np(406, 'shard before 1.82', [{ op: 'replace', path: '/shard', value: 'x' }], enroll, '1.81');
  np(406, 'parent_node (1.83) at 1.82', [{ op: 'replace', path: '/parent_node', value: s.manageable }]);
  np(406, 'firmware_interface (1.86) at 1.82', [{ op: 'replace', path: '/firmware_interface', value: 'fake' }]);
  np(406, 'disable_power_off (1.95) at 1.82', [{ op: 'replace', path: '/disable_power_off', value: true }]);
  np(406, 'instance_name (1.104) at 1.82', [{ op: 'replace', path: '/instance_name', value: 'vm-1' }]);
  np(409, 'name already taken', [{ op: 'replace', path: '/name', value: s.nodeNames[s.manageable] }]);
  np(409, 'protected outside active/rescue', [{ op: 'replace', path: '/protected', value: true }]);
  np(409, 'instance_uuid already associated with another node', [{ op: 'replace', path: '/instance_uuid', value: INSTANCE }]);
  np(409, 'instance_uuid changed while the node has another', [{ op: 'replace', path: '/instance_uuid', value: MISSING }], `/v1/nodes/${s.assoc}`);

  // ---- Patches of other resources ----
  const pp = (status: number, why: string, patch: unknown, version?: string) =>
    add(status, 'PATCH', `/v1/ports/${s.port1}`, `port: ${why}`, { body: patch, version });
  pp(400, 'replace /uuid', [{ op: 'replace', path: '/uuid', value: MISSING }]);
  pp(400, 'remove /address', [{ op: 'remove', path: '/address' }]);
  pp(400, 'remove /node_uuid', [{ op: 'remove', path: '/node_uuid' }]);
  pp(400, 'address not a MAC', [{ op: 'replace', path: '/address', value: 'bad' }]);
  pp(400, 'node_uuid not a UUID', [{ op: 'replace', path: '/node_uuid', value: 'bad' }]);
  pp(400, 'node that does not exist', [{ op: 'replace', path: '/node_uuid', value: MISSING }]);
  pp(400, 'portgroup that does not exist', [{ op: 'replace', path: '/portgroup_uuid', value: MISSING }]);
  pp(400, 'internal_info is read-only', [{ op: 'replace', path: '/internal_info', value: {} }]);
  pp(400, 'unknown field', [{ op: 'add', path: '/bogus', value: 1 }]);
  pp(400, 'pxe_enabled not a boolean', [{ op: 'replace', path: '/pxe_enabled', value: 'perhaps' }]);
  pp(400, 'is_smartnic not a boolean', [{ op: 'replace', path: '/is_smartnic', value: 'perhaps' }]);
  pp(400, 'unknown local_link_connection key', [{ op: 'replace', path: '/local_link_connection', value: { bogus: 1 } }]);
  pp(400, 'empty physical_network', [{ op: 'replace', path: '/physical_network', value: '' }]);
  pp(400, 'op "copy"', [{ op: 'copy', from: '/address', path: '/extra/mac' }]);
  pp(400, 'not a list', { op: 'replace', path: '/extra', value: {} });
  pp(406, 'pxe_enabled before 1.19', [{ op: 'replace', path: '/pxe_enabled', value: false }], '1.18');
  pp(406, 'portgroup_uuid before 1.24', [{ op: 'replace', path: '/portgroup_uuid', value: s.pgEmpty }], '1.23');
  pp(406, 'local_link_connection.network_type before 1.64', [{ op: 'add', path: '/local_link_connection/network_type', value: 'unmanaged' }], '1.63');
  pp(409, 'MAC address already taken', [{ op: 'replace', path: '/address', value: MAC2 }]);
  const gp = (status: number, why: string, patch: unknown, version?: string) =>
    add(status, 'PATCH', `/v1/portgroups/${s.pgEmpty}`, `portgroup: ${why}`, { body: patch, version });
  gp(400, 'name with a space', [{ op: 'replace', path: '/name', value: 'has space' }]);
  gp(400, 'remove /node_uuid', [{ op: 'remove', path: '/node_uuid' }]);
  gp(400, 'replace /uuid', [{ op: 'replace', path: '/uuid', value: MISSING }]);
  gp(400, 'remove /mode', [{ op: 'remove', path: '/mode' }]);
  gp(400, 'address not a MAC', [{ op: 'replace', path: '/address', value: 'bad' }]);
  gp(400, 'internal_info is read-only', [{ op: 'replace', path: '/internal_info', value: {} }]);
  // Patching mode and properties before 1.26 is not refused: Ironic 21.4 accepts it and tempest's
  // test_update_portgroup_add relies on that.
  gp(409, 'name already taken', [{ op: 'replace', path: '/name', value: 'br-bond-full' }]);
  const cp = (status: number, why: string, patch: unknown) =>
    add(status, 'PATCH', `/v1/chassis/${s.chassisEmpty}`, `chassis: ${why}`, { body: patch });
  cp(400, 'remove /uuid', [{ op: 'remove', path: '/uuid' }]);
  cp(400, 'description longer than 255', [{ op: 'replace', path: '/description', value: 'c'.repeat(256) }]);
  cp(400, 'extra a string', [{ op: 'replace', path: '/extra', value: 'str' }]);
  cp(400, 'add a field that does not exist', [{ op: 'add', path: '/bogus', value: 1 }]);
  cp(400, 'remove a key that does not exist', [{ op: 'remove', path: '/extra/not_there' }]);
  cp(400, 'not a list', { op: 'replace', path: '/description', value: 'x' });
  cp(400, 'op "copy"', [{ op: 'copy', from: '/description', path: '/extra/d' }]);
  const ap = (status: number, why: string, patch: unknown) =>
    add(status, 'PATCH', `/v1/allocations/${s.allocation}`, `allocation: ${why}`, { body: patch });
  ap(400, 'resource_class cannot be patched', [{ op: 'replace', path: '/resource_class', value: 'y' }]);
  ap(400, 'node_uuid cannot be patched', [{ op: 'replace', path: '/node_uuid', value: s.enroll }]);
  ap(400, 'uuid cannot be patched', [{ op: 'replace', path: '/uuid', value: MISSING }]);
  ap(400, 'state cannot be patched', [{ op: 'replace', path: '/state', value: 'active' }]);
  ap(400, 'name with a space', [{ op: 'replace', path: '/name', value: 'has space' }]);
  ap(400, 'extra a list', [{ op: 'replace', path: '/extra', value: [1] }]);
  const tp = (status: number, why: string, patch: unknown) =>
    add(status, 'PATCH', `/v1/deploy_templates/${s.template}`, `deploy template: ${why}`, { body: patch });
  tp(400, 'name not a trait', [{ op: 'replace', path: '/name', value: 'lowercase' }]);
  tp(400, 'remove /name', [{ op: 'remove', path: '/name' }]);
  tp(400, 'remove /steps', [{ op: 'remove', path: '/steps' }]);
  tp(400, 'empty steps', [{ op: 'replace', path: '/steps', value: [] }]);
  tp(400, 'step of an unknown interface', [{ op: 'replace', path: '/steps', value: [{ ...STEP, interface: 'bogus' }] }]);
  tp(400, 'replace /uuid', [{ op: 'replace', path: '/uuid', value: MISSING }]);
  const vp = (status: number, why: string, patch: unknown) =>
    add(status, 'PATCH', `/v1/volume/connectors/${s.connector}`, `volume connector: ${why}`, { body: patch });
  vp(400, 'unknown type', [{ op: 'replace', path: '/type', value: 'floppy' }]);
  vp(400, 'replace /uuid', [{ op: 'replace', path: '/uuid', value: MISSING }]);
  vp(400, 'remove /node_uuid', [{ op: 'remove', path: '/node_uuid' }]);
  vp(400, 'remove /type', [{ op: 'remove', path: '/type' }]);
  vp(400, 'node_uuid not a UUID', [{ op: 'replace', path: '/node_uuid', value: 'nope' }]);
  const vt = (status: number, why: string, patch: unknown) =>
    add(status, 'PATCH', `/v1/volume/targets/${s.target}`, `volume target: ${why}`, { body: patch });
  vt(400, 'negative boot_index', [{ op: 'replace', path: '/boot_index', value: -3 }]);
  vt(400, 'boot_index not an integer', [{ op: 'replace', path: '/boot_index', value: 'zero' }]);
  vt(400, 'replace /uuid', [{ op: 'replace', path: '/uuid', value: MISSING }]);
  vt(400, 'remove /volume_id', [{ op: 'remove', path: '/volume_id' }]);

  // ---- Provision actions ----
  const prov = (status: number, uuid: string, why: string, body: unknown, version?: string) =>
    add(status, 'PUT', `/v1/nodes/${uuid}/states/provision`, `provision: ${why}`, { body, version });
  prov(400, s.enroll, 'unknown verb', { target: 'levitate' });
  prov(400, s.enroll, 'target null', { target: null });
  prov(400, s.enroll, 'target not a string', { target: 7 });
  prov(400, s.enroll, 'no target', {});
  prov(400, s.enroll, 'provide from enroll', { target: 'provide' });
  prov(400, s.enroll, 'active from enroll', { target: 'active' });
  prov(400, s.enroll, 'deleted from enroll', { target: 'deleted' });
  prov(400, s.enroll, 'adopt from enroll', { target: 'adopt' });
  prov(400, s.enroll, 'abort from enroll', { target: 'abort' });
  prov(400, s.enroll, 'inspect from enroll', { target: 'inspect' });
  prov(400, s.enroll, 'config drive with manage', { target: 'manage', configdrive: 'H4sIAAAAAAAAA' });
  prov(400, s.enroll, 'rescue_password with manage', { target: 'manage', rescue_password: 'secret' });
  prov(400, s.enroll, 'clean_steps with manage', { target: 'manage', clean_steps: [{ interface: 'deploy', step: 'erase_devices' }] });
  prov(400, s.enroll, 'deploy_steps with manage', { target: 'manage', deploy_steps: [STEP] });
  prov(400, s.enroll, 'disable_ramdisk with manage', { target: 'manage', disable_ramdisk: true });
  prov(400, s.enroll, 'clean_steps not a list', { target: 'manage', clean_steps: 'all' });
  prov(406, s.enroll, 'manage before 1.4', { target: 'manage' }, '1.3');
  prov(400, s.manageable, 'clean without clean_steps', { target: 'clean' });
  prov(400, s.cleanme, 'clean with empty clean_steps', { target: 'clean', clean_steps: [] });
  prov(400, s.manageable, 'clean step without interface', { target: 'clean', clean_steps: [{ step: 'erase_devices' }] });
  prov(400, s.manageable, 'config drive with provide', { target: 'provide', configdrive: 'H4sIAAAAAAAAA' });
  prov(406, s.manageable, 'clean before 1.15', { target: 'clean', clean_steps: [{ interface: 'deploy', step: 'erase_devices' }] }, '1.14');
  prov(406, s.manageable, 'disable_ramdisk before 1.70', { target: 'clean', clean_steps: [{ interface: 'deploy', step: 'erase_devices' }], disable_ramdisk: true }, '1.69');
  // service and unhold have no minimum version in MIN_VERB_VERSIONS: Ironic checks the transition first (400),
  // and the verb's version only for a node where it is actionable (406).
  prov(400, s.manageable, 'unhold from manageable (no hold state)', { target: 'unhold' });
  prov(406, s.manageable, 'runbook (1.92) at 1.82', { target: 'clean', runbook: 'CUSTOM_RB' });
  prov(400, s.available, 'clean from available', { target: 'clean', clean_steps: [{ interface: 'deploy', step: 'erase_devices' }] });
  prov(400, s.available, 'rescue from available', { target: 'rescue', rescue_password: 'pw' });
  prov(400, s.available, 'rebuild from available', { target: 'rebuild' });
  prov(400, s.available, 'inspect from available', { target: 'inspect' });
  prov(400, s.available, 'active with clean_steps', { target: 'active', clean_steps: [{ interface: 'deploy', step: 'erase_devices' }] });
  prov(400, s.available, 'config drive not a string or object', { target: 'active', configdrive: 12 });
  prov(400, s.available, 'config drive object with unknown keys', { target: 'active', configdrive: { bogus: 1 } });
  prov(400, s.available, 'deploy_steps not a list', { target: 'active', deploy_steps: 'x' });
  prov(406, s.available, 'deploy before 1.73', { target: 'deploy' }, '1.72');
  prov(406, s.available, 'deploy_steps before 1.69', { target: 'active', deploy_steps: [STEP] }, '1.68');
  prov(406, s.available, 'abort before 1.13', { target: 'abort' }, '1.12');
  prov(400, s.cdrive, 'config drive string neither base64 nor a URL', { target: 'active', configdrive: 'this is not base64!' });
  prov(400, s.active, 'rescue without rescue_password', { target: 'rescue' });
  prov(400, s.active, 'rescue with an empty rescue_password', { target: 'rescue', rescue_password: '  ' });
  prov(400, s.active, 'active from active', { target: 'active' });
  prov(400, s.active, 'manage from active', { target: 'manage' });
  prov(400, s.active, 'provide from active', { target: 'provide' });
  prov(400, s.active, 'unrescue from active', { target: 'unrescue' });
  prov(406, s.active, 'rescue before 1.38', { target: 'rescue', rescue_password: 'pw' }, '1.37');
  prov(406, s.active, 'service (1.87) at 1.82', { target: 'service', service_steps: [{ interface: 'deploy', step: 'x' }] });
  prov(400, s.maint, 'deploy in maintenance', { target: 'active' });
  prov(403, s.protected, 'undeploy a protected node', { target: 'deleted' });
  prov(403, s.protected, 'rebuild a protected node', { target: 'rebuild' });

  // ---- Power, boot device, maintenance, console, RAID, boot mode ----
  const power = (status: number, why: string, body: unknown, version?: string) =>
    add(status, 'PUT', `${enroll}/states/power`, `power: ${why}`, { body, version });
  power(400, 'unknown target', { target: 'power sideways' });
  power(400, 'no target', {});
  power(400, 'target not a string', { target: 5 });
  power(400, 'negative timeout', { target: 'power on', timeout: -1 });
  power(400, 'zero timeout', { target: 'power on', timeout: 0 });
  power(400, 'timeout not an integer', { target: 'power on', timeout: 'soon' });
  power(406, 'soft power off before 1.27', { target: 'soft power off' }, '1.26');
  power(406, 'soft rebooting before 1.27', { target: 'soft rebooting' }, '1.26');
  power(406, 'timeout before 1.27', { target: 'power on', timeout: 5 }, '1.26');
  const boot = (status: number, why: string, body: unknown) =>
    add(status, 'PUT', `${enroll}/management/boot_device`, `boot device: ${why}`, { body });
  boot(400, 'unknown device', { boot_device: 'usb-stick' });
  boot(400, 'persistent not a boolean', { boot_device: 'pxe', persistent: 'perhaps' });
  boot(400, 'no boot_device', { persistent: true });
  boot(400, 'boot_device not a string', { boot_device: 7 });
  add(400, 'PUT', `${enroll}/maintenance`, 'maintenance: reason a number', { body: { reason: 42 } });
  add(400, 'PUT', `${enroll}/maintenance`, 'maintenance: reason a list', { body: { reason: ['a'] } });
  add(400, 'PUT', `${enroll}/states/console`, 'console: enabled not a boolean', { body: { enabled: 'perhaps' } });
  add(400, 'PUT', `${enroll}/states/console`, 'console: no enabled', { body: {} });
  add(400, 'PUT', `${enroll}/states/raid`, 'RAID: logical_disks not a list', { body: { logical_disks: 'all' } });
  add(400, 'PUT', `${enroll}/states/raid`, 'RAID: body a list', { body: [{ size_gb: 10 }] });
  add(406, 'PUT', `${enroll}/states/raid`, 'RAID before 1.12', { body: { logical_disks: [] }, version: '1.11' });
  add(400, 'PUT', `${enroll}/states/boot_mode`, 'boot mode: unknown target', { body: { target: 'legacy' } });
  add(400, 'PUT', `${enroll}/states/secure_boot`, 'secure boot: target not a boolean', { body: { target: 'perhaps' } });

  // ---- Traits and VIFs ----
  const traits = (status: number, why: string, body: unknown, path = `${enroll}/traits`) =>
    add(status, 'PUT', path, `traits: ${why}`, { body });
  traits(400, 'traits a string', { traits: 'CUSTOM_X' });
  traits(400, 'lower-case trait', { traits: ['lowercase'] });
  traits(400, 'trait not a string', { traits: ['CUSTOM_OK', 5] });
  traits(400, 'more than 50 traits', { traits: Array.from({ length: 51 }, (_, i) => `CUSTOM_T${i}`) });
  traits(400, 'neither CUSTOM_ nor a standard trait', { traits: ['FOO_BAR'] }, `${patchme}/traits`);
  traits(400, 'unknown key next to traits', { traits: ['CUSTOM_A'], extra: 1 });
  traits(400, 'no traits key', {});
  traits(400, 'single trait with a body', { traits: ['CUSTOM_Y'] }, `${enroll}/traits/CUSTOM_X`);
  add(400, 'PUT', `${enroll}/traits/not_valid`, 'traits: lower-case single trait');
  add(400, 'PUT', `${enroll}/traits/CUSTOM_lower`, 'traits: CUSTOM_ trait with lower case');
  add(400, 'PUT', `${patchme}/traits/FOO_BAR`, 'traits: single trait neither CUSTOM_ nor standard');
  add(400, 'PUT', `${enroll}/traits/CUSTOM_${'X'.repeat(250)}`, 'traits: trait longer than 255');
  add(404, 'DELETE', `${enroll}/traits/CUSTOM_NOT_THERE`, 'traits: delete a trait the node does not have');
  add(400, 'POST', `${enroll}/vifs`, 'VIF: no id', { body: {} });
  add(400, 'POST', `${enroll}/vifs`, 'VIF: id not a string', { body: { id: 5 } });
  add(400, 'POST', `${enroll}/vifs`, 'VIF: id neither a UUID nor a name', { body: { id: 'has space' } });
  add(400, 'DELETE', `${enroll}/vifs/bad%20vif!`, 'VIF: detach an id neither a UUID nor a name');

  // ---- A node another conductor holds (reservation set): every write is 409 NodeLocked ----
  add(409, 'PATCH', locked, 'locked node: patch', { body: [{ op: 'replace', path: '/description', value: 'x' }] });
  add(409, 'DELETE', locked, 'locked node: delete');
  add(409, 'PUT', `${locked}/states/power`, 'locked node: power on', { body: { target: 'power on' } });
  add(409, 'PUT', `${locked}/states/provision`, 'locked node: manage', { body: { target: 'manage' } });
  add(409, 'PUT', `${locked}/states/provision`, 'locked node: a verb not actionable in its state', { body: { target: 'provide' } });
  add(409, 'PUT', `${locked}/states/provision`, 'locked node: an unknown verb (Ironic checks the lock first)', { body: { target: 'levitate' } });
  add(409, 'PUT', `${locked}/maintenance`, 'locked node: maintenance', { body: { reason: 'x' } });
  add(409, 'PUT', `${locked}/traits`, 'locked node: set traits', { body: { traits: ['CUSTOM_A'] } });
  add(409, 'PUT', `${locked}/traits/CUSTOM_A`, 'locked node: add a trait');
  add(409, 'DELETE', `${locked}/traits`, 'locked node: remove all traits');
  add(409, 'PUT', `${locked}/management/boot_device`, 'locked node: boot device', { body: { boot_device: 'pxe' } });
  add(409, 'POST', `${locked}/vifs`, 'locked node: VIF attach', { body: { id: 'vif-locked' } });
  add(409, 'PUT', `${locked}/states/raid`, 'locked node: RAID config', { body: { logical_disks: [] } });

  // ---- Deletions the rules forbid ----
  add(409, 'DELETE', `/v1/nodes/${s.active}`, 'delete an active node');
  add(403, 'DELETE', `/v1/nodes/${s.protected}`, 'delete a protected node');
  add(409, 'DELETE', `/v1/nodes/${s.assoc}`, 'delete a node associated with an instance');
  add(400, 'DELETE', `/v1/chassis/${s.chassisFull}`, 'delete a chassis that holds nodes');
  add(400, 'DELETE', `/v1/portgroups/${s.pgFull}`, 'delete a portgroup that holds ports');
  return out;
}

// ------------------------------------------------------------------------------------------------------------

/** A stable identity of a request, to prove the corpus has no duplicates. */
function requestKey(c: BadRequest): string {
  const payload = c.raw !== undefined ? `raw:${c.raw}` : c.body === undefined ? 'none' : `json:${JSON.stringify(c.body)}`;
  const h = createHash('sha256').update(payload).digest('hex').slice(0, 16);
  return `${c.method} ${c.path} ${h} v=${String(c.version ?? MAX)} ${c.contentType ?? ''} ${JSON.stringify(c.headers ?? {})}`;
}

function describeCase(c: BadRequest): string {
  const payload = c.raw ?? (c.body === undefined ? '' : JSON.stringify(c.body));
  const shown = payload.length > 90 ? `${payload.slice(0, 90)}…(${payload.length} bytes)` : payload;
  const version = c.version === null ? 'no version header' : `v${c.version ?? MAX}`;
  return `${c.method} ${c.path.length > 100 ? `${c.path.slice(0, 100)}…` : c.path} ${shown} [${version}${c.contentType ? `, ${c.contentType}` : ''}${c.headers ? `, ${JSON.stringify(c.headers)}` : ''}] (${c.why})`;
}

/** Ironic's error body: `{"error_message": "<JSON>"}`; returns what is wrong with it, or undefined. */
function bodyProblem(res: ApiResponse): string | undefined {
  const type = res.headers.get('content-type') ?? '';
  if (!type.includes('application/json')) return `Content-Type is "${type}"`;
  const outer = res.body as Record<string, unknown> | undefined;
  if (outer === undefined || outer === null || typeof outer !== 'object' || Array.isArray(outer)) return 'body is not a JSON object';
  const keys = Object.keys(outer);
  if (keys.length !== 1 || typeof outer.error_message !== 'string') return `body keys are ${JSON.stringify(keys)}, not just "error_message" (a string): ${res.text.slice(0, 120)}`;
  let inner: Record<string, unknown>;
  try {
    inner = JSON.parse(outer.error_message) as Record<string, unknown>;
  } catch {
    return 'error_message does not hold JSON';
  }
  if (inner === null || typeof inner !== 'object') return 'error_message does not hold a JSON object';
  if ('faultstring' in inner) {
    if (inner.faultcode !== 'Client') return `faultcode is ${JSON.stringify(inner.faultcode)}, not "Client"`;
    if (typeof inner.faultstring !== 'string' || inner.faultstring === '') return 'faultstring is not a non-empty string';
    if (!('debuginfo' in inner) || inner.debuginfo !== null) return 'debuginfo is not null';
    return undefined;
  }
  if ('code' in inner) {
    if (inner.code !== res.status) return `code ${JSON.stringify(inner.code)} differs from the status ${res.status}`;
    if (typeof inner.title !== 'string' || typeof inner.description !== 'string') return 'title/description are not strings';
    return undefined;
  }
  return `inner JSON has neither faultcode/faultstring/debuginfo nor code/title/description: ${outer.error_message.slice(0, 120)}`;
}

/** Everything wrong with an error response's format: the body, and the version headers every /v1 response carries. */
function formatProblems(res: ApiResponse): string[] {
  const problems: string[] = [];
  const body = bodyProblem(res);
  if (body) problems.push(body);
  if (res.headers.get('x-openstack-ironic-api-minimum-version') === null || res.headers.get('x-openstack-ironic-api-maximum-version') === null) {
    problems.push('no X-OpenStack-Ironic-API-Minimum/Maximum-Version headers');
  }
  return problems;
}

/** Runs `tasks` with at most `limit` at a time, never two that share a key (writes to one node are serialised). */
async function runLimited<T>(items: T[], keysOf: (item: T) => string[], limit: number, run: (item: T) => Promise<void>): Promise<void> {
  const pending = [...items];
  const busy = new Set<string>();
  let running = 0;
  await new Promise<void>((resolve, reject) => {
    const pump = () => {
      if (pending.length === 0 && running === 0) {
        resolve();
        return;
      }
      for (let i = 0; i < pending.length && running < limit;) {
        const keys = keysOf(pending[i]);
        if (keys.some((k) => busy.has(k))) {
          i++;
          continue;
        }
        const [item] = pending.splice(i, 1);
        running++;
        for (const k of keys) busy.add(k);
        run(item).then(() => {
          running--;
          for (const k of keys) busy.delete(k);
          pump();
        }, reject);
      }
    };
    pump();
  });
}

type Snapshot = Record<string, Record<string, unknown>[]>;

/**
 * Every row of every table, read through a Store of its own over the service's database. The conductor's heartbeat
 * (conductors.updated_at) is the one value that changes without any request, so it is left out.
 */
async function snapshot(store: Store): Promise<Snapshot> {
  const db = store.database.db;
  const tables = (await db.introspection.getTables({ withInternalKyselyTables: true })).map((t) => t.name).sort();
  const out: Snapshot = {};
  for (const table of tables) {
    const rows = (await (db as any).selectFrom(table).selectAll().execute()) as Record<string, unknown>[];
    const clean = rows.map((r) => {
      const row: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(r)) {
        if (table === 'conductors' && k === 'updated_at') continue;
        row[k] = v instanceof Date ? v.toISOString() : v;
      }
      return row;
    });
    clean.sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
    out[table] = clean;
  }
  return out;
}

/** Readable differences between two snapshots: rows added, removed, or changed (by id when there is one). */
function diffSnapshots(before: Snapshot, after: Snapshot): string[] {
  const out: string[] = [];
  for (const table of new Set([...Object.keys(before), ...Object.keys(after)])) {
    const a = before[table] ?? [];
    const b = after[table] ?? [];
    const keyOf = (r: Record<string, unknown>) => ('id' in r ? JSON.stringify(r.id) : JSON.stringify(r));
    const am = new Map(a.map((r) => [keyOf(r), r]));
    const bm = new Map(b.map((r) => [keyOf(r), r]));
    for (const [k, r] of am) {
      const r2 = bm.get(k);
      if (!r2) {
        out.push(`${table}: row ${k} removed (${JSON.stringify(r).slice(0, 200)})`);
        continue;
      }
      const changed = Object.keys({ ...r, ...r2 }).filter((c) => JSON.stringify(r[c]) !== JSON.stringify(r2[c]));
      if (changed.length > 0) {
        const who = typeof r.uuid === 'string' ? ` (${r.uuid}${typeof r.name === 'string' ? ` ${r.name}` : ''})` : '';
        out.push(`${table}: row ${k}${who} changed: ${changed.map((c) => `${c} ${JSON.stringify(r[c])?.slice(0, 80)} → ${JSON.stringify(r2[c])?.slice(0, 80)}`).join('; ')}`);
      }
    }
    for (const [k, r] of bm) if (!am.has(k)) out.push(`${table}: row ${k} added (${JSON.stringify(r).slice(0, 200)})`);
  }
  return out;
}

for (const dialect of testDialects()) {
  describe(`bad requests on ${dialect}`, () => {
    let svc: TestService;
    let api: ReturnType<typeof apiClient>;
    let store: Store;
    let seed: Seed;
    let cases: BadRequest[];
    let before_: Snapshot;

    before(async () => {
      svc = await startTestService(dialect);
      api = apiClient(svc.url, MAX);
      store = new Store(openDatabase(parseConnection(svc.db.connection, tmpdir())));

      const ok = async (res: Promise<ApiResponse>, what: string): Promise<any> => {
        const r = await res;
        assert.ok(r.status >= 200 && r.status < 300, `setup: ${what}: ${r.status} ${r.text.slice(0, 300)}`);
        return r.body;
      };
      const settle = async (uuid: string) => {
        await svc.service.conductor.core.drain();
        return waitFor(async () => {
          const n = (await api.get(`/v1/nodes/${uuid}`)).body;
          return n.target_provision_state === null && n.reservation === null ? n : undefined;
        }, 15_000, `node ${uuid} to settle`);
      };
      const nodeNames: Record<string, string> = {};
      const makeNode = async (name: string, verbs: string[], extra: Record<string, unknown> = {}) => {
        const n = await ok(api.post('/v1/nodes', { driver: 'fake-hardware', name, ...extra }), `create ${name}`);
        for (const verb of verbs) {
          await ok(api.put(`/v1/nodes/${n.uuid}/states/provision`, { target: verb }), `${verb} ${name}`);
          await settle(n.uuid as string);
        }
        nodeNames[n.uuid as string] = name;
        return n.uuid as string;
      };
      const patch = (uuid: string, ops: unknown[]) => ok(api.patch(`/v1/nodes/${uuid}`, ops), `patch ${uuid}`);

      const chassisEmpty = (await ok(api.post('/v1/chassis', { description: 'br-empty' }), 'chassis')).uuid;
      const chassisFull = (await ok(api.post('/v1/chassis', { description: 'br-full' }), 'chassis')).uuid;
      const enroll = await makeNode('br-enroll', []);
      const manageable = await makeNode('br-manageable', ['manage']);
      const available = await makeNode('br-available', ['manage', 'provide']);
      const active = await makeNode('br-active', ['manage', 'provide', 'active']);
      const maint = await makeNode('br-maint', ['manage', 'provide']);
      await ok(api.put(`/v1/nodes/${maint}/maintenance`, { reason: 'bad-requests' }), 'maintenance');
      const prot = await makeNode('br-protected', ['manage', 'provide', 'active']);
      await patch(prot, [{ op: 'replace', path: '/protected', value: true }, { op: 'add', path: '/protected_reason', value: 'keep' }]);
      const assoc = await makeNode('br-assoc', ['manage', 'provide']);
      await patch(assoc, [{ op: 'add', path: '/instance_uuid', value: INSTANCE }]);
      const lockedNode = await makeNode('br-locked', []);
      const inChassis = await makeNode('br-in-chassis', [], { chassis_uuid: chassisFull });
      const patchme = await makeNode('br-patchme', []);
      const cdrive = await makeNode('br-cdrive', ['manage', 'provide']);
      const cleanme = await makeNode('br-cleanme', ['manage']);

      const port1 = (await ok(api.post('/v1/ports', { address: MAC1, node_uuid: enroll }), 'port 1')).uuid;
      const port2 = (await ok(api.post('/v1/ports', { address: MAC2, node_uuid: enroll }), 'port 2')).uuid;
      const pgEmpty = (await ok(api.post('/v1/portgroups', { node_uuid: enroll, name: 'br-bond-empty' }), 'portgroup')).uuid;
      const pgFull = (await ok(api.post('/v1/portgroups', { node_uuid: available, name: 'br-bond-full' }), 'portgroup')).uuid;
      const port3 = (await ok(api.post('/v1/ports', { address: MAC3, node_uuid: available, portgroup_uuid: pgFull }), 'port 3')).uuid;
      const connector = (await ok(api.post('/v1/volume/connectors', { node_uuid: enroll, type: 'iqn', connector_id: 'iqn.2026-11.test:br' }), 'connector')).uuid;
      const target = (await ok(api.post('/v1/volume/targets', { node_uuid: enroll, volume_type: 'iscsi', boot_index: 0, volume_id: 'vol-br' }), 'target')).uuid;
      const template = (await ok(api.post('/v1/deploy_templates', { name: 'CUSTOM_BR_RAID', steps: [{ interface: 'raid', step: 'create_configuration', args: {}, priority: 10 }] }), 'template')).uuid;
      await ok(api.put(`/v1/nodes/${enroll}/traits`, { traits: ['CUSTOM_GOLD'] }), 'traits');
      const allocation = (await ok(api.post('/v1/allocations', { resource_class: 'br-none', name: 'br-alloc' }), 'allocation')).uuid;
      await waitFor(async () => ((await api.get(`/v1/allocations/${allocation}`)).body.state === 'allocating' ? undefined : true), 15_000, 'allocation to finish');
      await svc.service.conductor.core.drain();

      // Another conductor holds br-locked; nothing clears a reservation of a host that never registered.
      const lockedRow = await store.nodes.getByUuid(lockedNode);
      assert.ok(lockedRow && (await store.nodes.reserve(lockedRow.id, 'other-conductor')), 'setup: reserve br-locked');

      seed = {
        enroll, manageable, available, active, maint, protected: prot, assoc, locked: lockedNode, inChassis, patchme, cdrive, cleanme,
        chassisEmpty, chassisFull, port1, port2, port3, pgEmpty, pgFull, connector, target, template, allocation,
        nodeNames,
        owners: {
          [port1]: enroll, [port2]: enroll, [port3]: available, [pgEmpty]: enroll, [pgFull]: available,
          [connector]: enroll, [target]: enroll,
        },
      };
      cases = corpus(seed);
      before_ = await snapshot(store);
    });

    after(async () => {
      await store?.close();
      await svc?.close();
    });

    it('has at least 200 distinct bad requests', () => {
      const keys = cases.map(requestKey);
      const dup = keys.filter((k, i) => keys.indexOf(k) !== i);
      assert.deepEqual(dup, [], 'duplicate requests in the corpus');
      assert.ok(cases.length >= 200, `only ${cases.length} cases`);
    });

    it('answers each with the right 4xx in Ironic\'s error format, never a 5xx', { timeout: 120_000 }, async () => {
      // Writes that name the same node run one at a time (concurrent writes to one node are rightly 409 NodeLocked);
      // everything else runs four at a time.
      const nodeUuids = new Set([...Object.keys(seed.nodeNames), ...Object.keys(seed.owners)]);
      const keysOf = (c: BadRequest): string[] => {
        if (c.method === 'GET') return [];
        const text = `${c.path} ${c.raw ?? JSON.stringify(c.body ?? null)}`;
        const keys = new Set<string>();
        for (const id of nodeUuids) if (text.includes(id)) keys.add(seed.owners[id] ?? id);
        for (const [uuid, name] of Object.entries(seed.nodeNames)) if (text.includes(name)) keys.add(uuid);
        return [...keys];
      };
      const wrong: string[] = [];
      await runLimited(cases, keysOf, 4, async (c) => {
        let res: ApiResponse;
        try {
          const headers: Record<string, string> = { ...c.headers };
          if (c.contentType) headers['Content-Type'] = c.contentType;
          res = await api.call(c.method, c.path, c.body, { version: c.version === undefined ? MAX : c.version, raw: c.raw, headers });
        } catch (e) {
          wrong.push(`${describeCase(c)}: request failed: ${(e as Error).message}`);
          return;
        }
        if (res.status !== c.status) {
          let fault: string | undefined;
          try {
            fault = faultOf(res.body);
          } catch {
            fault = undefined;
          }
          wrong.push(`${describeCase(c)}: expected ${c.status}, got ${res.status}${res.status >= 500 ? ' (5xx!)' : ''}: ${(fault ?? res.text).slice(0, 220)}`);
          return;
        }
        const problems = formatProblems(res);
        if (problems.length > 0) wrong.push(`${describeCase(c)}: ${res.status} but not Ironic's error format: ${problems.join('; ')}`);
      });
      await svc.service.conductor.core.drain();
      assert.equal(wrong.length, 0, `${wrong.length} of ${cases.length} bad requests were answered wrongly:\n${wrong.sort().join('\n')}`);
    });

    it('leaves every table exactly as it was', async () => {
      await svc.service.conductor.core.drain();
      const diff = diffSnapshots(before_, await snapshot(store));
      assert.equal(diff.length, 0, `the database changed:\n${diff.join('\n')}`);
    });
  });
}
