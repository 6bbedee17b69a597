import type { JsonObject } from '../node.js';
import { INTERFACE_SLOTS } from '../node.js';
import { normalizeMac } from '../validation.js';
import { mapPmType } from './pm-types.js';
import { isObject, kindOf, type EnrollmentProblem, type NodeSpec, type PortSpec } from './enrollment-types.js';

/** instackenv keys that become node properties, and their Ironic names (TripleO's mapping). */
const PROPERTY_KEYS: Record<string, string> = { cpu: 'cpus', memory: 'memory_mb', disk: 'local_gb' };
/** Keys read here, beyond properties, pm_* and the driver's own prefix. */
const KNOWN_KEYS = new Set([
  'pm_type', 'pm_addr', 'pm_port', 'pm_user', 'pm_password', 'pm_system_id', 'mac', 'ports', 'cpu', 'memory',
  'disk', 'arch', 'name', 'uuid', 'capabilities', 'profile', 'root_device', 'resource_class', 'kernel_id',
  'ramdisk_id', 'platform', 'conductor_group', 'description', 'owner',
  ...INTERFACE_SLOTS.map((s) => `${s}_interface`),
]);

/**
 * Reads the `nodes` of a TripleO instackenv file into node create bodies with Ironic's names, collecting every
 * problem rather than stopping at the first: an operator fixes a file in one pass.
 */
export function readInstackenvNode(raw: unknown, index: number, problems: EnrollmentProblem[]): NodeSpec | null {
  const problem = (field: string, message: string) => problems.push({ index, field, message });
  if (!isObject(raw)) {
    problem('node', `each node must be an object, got ${kindOf(raw)}`);
    return null;
  }
  const before = problems.length;
  const warnings: string[] = [];
  const str = (key: string, required = false): string | undefined => {
    const v = raw[key];
    if (v === undefined || v === null || v === '') {
      if (required) problem(key, `${key} is required`);
      return undefined;
    }
    if (typeof v !== 'string') {
      problem(key, `${key} must be a string, got ${kindOf(v)}`);
      return undefined;
    }
    return v;
  };

  const pmType = str('pm_type', true);
  const mapping = pmType === undefined ? undefined : mapPmType(pmType);
  if (mapping && 'error' in mapping) problem('pm_type', mapping.error);
  const hw = mapping && !('error' in mapping) ? mapping : undefined;
  if (hw?.legacy) warnings.push(`pm_type ${hw.legacy} is a legacy name; enrolled as hardware type ${hw.driver}: please update the file`);

  const driverInfo: JsonObject = {};
  if (hw && hw.driver !== 'fake-hardware') {
    const p = hw.driver === 'ipmi' ? 'ipmi' : 'redfish';
    const addr = str('pm_addr', true);
    if (addr !== undefined) driverInfo[`${p}_address`] = addr;
    const user = str('pm_user');
    if (user !== undefined) driverInfo[`${p}_username`] = user;
    const password = str('pm_password');
    if (password !== undefined) driverInfo[`${p}_password`] = password;
    if (hw.driver === 'ipmi') {
      const port = integer(raw.pm_port, 'pm_port', problem, 1, 65535);
      if (port !== undefined) driverInfo.ipmi_port = port;
    } else {
      // TripleO requires the system for Redfish: a BMC may manage several, and guessing would enroll the wrong one.
      const system = str('pm_system_id', true);
      if (system !== undefined) driverInfo.redfish_system_id = system;
      if (raw.pm_port !== undefined) warnings.push('pm_port is not used by redfish (put the port in pm_addr); ignored');
    }
  }
  for (const [key, value] of Object.entries(raw)) {
    if (hw?.prefix && key.startsWith(hw.prefix)) driverInfo[key] = value as JsonObject[string];
    else if (!KNOWN_KEYS.has(key)) warnings.push(`${key} is not an instackenv field${hw?.prefix ? ` nor a ${hw.prefix}* driver setting` : ''}; ignored`);
  }
  const kernel = str('kernel_id');
  const ramdisk = str('ramdisk_id');
  // TripleO uses the same kernel and ramdisk to deploy and to rescue.
  if (kernel !== undefined) Object.assign(driverInfo, { deploy_kernel: kernel, rescue_kernel: kernel });
  if (ramdisk !== undefined) Object.assign(driverInfo, { deploy_ramdisk: ramdisk, rescue_ramdisk: ramdisk });

  const properties: JsonObject = {};
  for (const [key, prop] of Object.entries(PROPERTY_KEYS)) {
    const n = integer(raw[key], key, problem, 0);
    if (n !== undefined) properties[prop] = n;
  }
  const arch = str('arch');
  if (arch !== undefined) properties.cpu_arch = arch;
  if (raw.root_device !== undefined) {
    if (isObject(raw.root_device)) properties.root_device = raw.root_device as JsonObject;
    else problem('root_device', `root_device must be an object, got ${kindOf(raw.root_device)}`);
  }
  const caps = readCapabilities(raw.capabilities, problem);
  const profile = str('profile');
  if (caps && profile !== undefined) caps.set('profile', profile);
  if (caps && caps.size > 0) properties.capabilities = [...caps].map(([k, v]) => `${k}:${v}`).join(',');

  const node: JsonObject = { driver: hw?.driver ?? '', driver_info: driverInfo, properties };
  for (const key of ['resource_class', 'name', 'uuid', 'conductor_group', 'description', 'owner', ...INTERFACE_SLOTS.map((s) => `${s}_interface`)]) {
    const v = str(key);
    if (v !== undefined) node[key] = v;
  }
  const platform = str('platform');
  if (platform !== undefined) node.extra = { tripleo_platform: platform };

  const ports: PortSpec[] = [];
  if (raw.mac !== undefined) {
    if (!Array.isArray(raw.mac)) problem('mac', `mac must be a list of MAC addresses, got ${kindOf(raw.mac)}`);
    else {
      raw.mac.forEach((m, i) => {
        const mac = normalizeMac(m);
        if (!mac) problem(`mac[${i}]`, `${JSON.stringify(m)} is not a MAC address`);
        else ports.push({ address: mac, source: `mac[${i}]`, fields: {} });
      });
    }
  }
  if (raw.ports !== undefined) {
    if (!Array.isArray(raw.ports)) problem('ports', `ports must be a list, got ${kindOf(raw.ports)}`);
    else raw.ports.forEach((p, i) => {
      const port = readPort(p, `ports[${i}]`, problem);
      if (port) ports.push(port);
    });
  }
  if (problems.length > before) return null;
  // TripleO's default resource class; its flavors look for it.
  return { index, node, createDefaults: { resource_class: 'baremetal' }, ports, portgroups: [], traits: null, warnings };
}

/** A port object (`{address, ...}`) as both formats write it; its other fields are checked by the port API rules. */
export function readPort(raw: unknown, field: string, problem: (field: string, message: string) => void): PortSpec | null {
  if (!isObject(raw)) {
    problem(field, `a port must be an object, got ${kindOf(raw)}`);
    return null;
  }
  const { address, ...rest } = raw;
  if (address === undefined) {
    problem(`${field}.address`, 'address is required');
    return null;
  }
  const mac = normalizeMac(address);
  if (!mac) {
    problem(`${field}.address`, `${JSON.stringify(address)} is not a MAC address`);
    return null;
  }
  return { address: mac, source: field, fields: rest as JsonObject };
}

function integer(v: unknown, key: string, problem: (f: string, m: string) => void, min: number, max = Number.MAX_SAFE_INTEGER): number | undefined {
  if (v === undefined || v === null || v === '') return undefined;
  // instackenv files commonly quote numbers ("cpu": "4"); both are what the operator meant.
  const n = typeof v === 'number' ? v : typeof v === 'string' && /^\s*\d+\s*$/.test(v) ? Number(v) : NaN;
  if (!Number.isInteger(n) || n < min || n > max) {
    problem(key, `${key} must be a whole number${max < Number.MAX_SAFE_INTEGER ? ` from ${min} to ${max}` : ''}, got ${JSON.stringify(v)}`);
    return undefined;
  }
  return n;
}

/** Capabilities as Ironic stores them are "k1:v1,k2:v2"; TripleO files give that string or an object. */
function readCapabilities(v: unknown, problem: (f: string, m: string) => void): Map<string, string> | undefined {
  const caps = new Map<string, string>();
  if (v === undefined || v === null || v === '') return caps;
  if (typeof v === 'string') {
    for (const pair of v.split(',')) {
      if (pair.trim() === '') continue;
      const i = pair.indexOf(':');
      if (i <= 0) {
        problem('capabilities', `capability ${JSON.stringify(pair)} is not key:value`);
        return undefined;
      }
      caps.set(pair.slice(0, i).trim(), pair.slice(i + 1).trim());
    }
    return caps;
  }
  if (isObject(v)) {
    for (const [k, val] of Object.entries(v)) {
      if (typeof val !== 'string' && typeof val !== 'number' && typeof val !== 'boolean') {
        problem('capabilities', `capability ${k} must be a plain value, got ${kindOf(val)}`);
        return undefined;
      }
      caps.set(k, String(val));
    }
    return caps;
  }
  problem('capabilities', `capabilities must be a "key:value,..." string or an object, got ${kindOf(v)}`);
  return undefined;
}
