import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { resolve } from 'node:path';
import { parse as parseIni } from 'ini';
import { INTERFACE_SLOTS, type InterfaceSlot } from './domain/node.js';
import { parseDelay, type DelaySpec } from './drivers/fake/fake-delay.js';
import type { BootSettings } from './drivers/pxe/boot-settings.js';

/**
 * Configuration: an INI file with Ironic's section and option names where Ironic has the option, environment
 * overrides (`FERRITE_<SECTION>__<OPTION>`, e.g. `FERRITE_API__PORT=6386`), defaults. Everything is parsed and
 * checked once at start-up; a bad value stops the service with a message naming the option.
 */

type Kind = 'string' | 'int' | 'float' | 'bool' | 'list';
interface OptionSpec {
  kind: Kind;
  default: string;
  min?: number;
  max?: number;
  choices?: readonly string[];
}

const OPTIONS: Record<string, Record<string, OptionSpec>> = {
  DEFAULT: {
    host: { kind: 'string', default: hostname() },
    state_path: { kind: 'string', default: './data' },
    auth_strategy: { kind: 'string', default: 'noauth', choices: ['noauth', 'http_basic'] },
    http_basic_auth_user_file: { kind: 'string', default: '/etc/ironic/htpasswd' },
    enabled_hardware_types: { kind: 'list', default: 'fake-hardware,ipmi,redfish' },
    debug: { kind: 'bool', default: 'false' },
    log_level: { kind: 'string', default: 'info', choices: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] },
    conductor_group: { kind: 'string', default: '' },
  },
  api: {
    host_ip: { kind: 'string', default: '127.0.0.1' },
    port: { kind: 'int', default: '6385', min: 0, max: 65535 },
    max_limit: { kind: 'int', default: '1000', min: 1 },
    public_endpoint: { kind: 'string', default: '' },
    max_body_bytes: { kind: 'int', default: '1048576', min: 1024 },
    restrict_lookup: { kind: 'bool', default: 'true' },
    ramdisk_heartbeat_timeout: { kind: 'int', default: '300', min: 1 },
    /** Ferrite's own: noauth answers only on loopback unless this is set. */
    allow_insecure_noauth: { kind: 'bool', default: 'false' },
  },
  database: {
    connection: { kind: 'string', default: 'sqlite:///ferrite.db' },
  },
  conductor: {
    heartbeat_interval: { kind: 'float', default: '10', min: 0.05 },
    heartbeat_timeout: { kind: 'float', default: '60', min: 0.1 },
    sync_power_state_interval: { kind: 'float', default: '60', min: 0 },
    check_provision_state_interval: { kind: 'float', default: '60', min: 0 },
    deploy_callback_timeout: { kind: 'float', default: '1800', min: 0 },
    clean_callback_timeout: { kind: 'float', default: '1800', min: 0 },
    inspect_wait_timeout: { kind: 'float', default: '1800', min: 0 },
    rescue_callback_timeout: { kind: 'float', default: '1800', min: 0 },
    service_callback_timeout: { kind: 'float', default: '1800', min: 0 },
    power_state_sync_max_retries: { kind: 'int', default: '3', min: 0 },
    force_power_state_during_sync: { kind: 'bool', default: 'true' },
    automated_clean: { kind: 'bool', default: 'true' },
    allow_deleting_available_nodes: { kind: 'bool', default: 'true' },
    sync_power_state_workers: { kind: 'int', default: '8', min: 1 },
    workers_pool_size: { kind: 'int', default: '100', min: 1 },
    /** Ferrite's own: how long an API call waits for its background action before answering 202. */
    quick_action_wait: { kind: 'float', default: '0.5', min: 0 },
    power_state_change_timeout: { kind: 'float', default: '60', min: 2 },
    soft_power_off_timeout: { kind: 'float', default: '600', min: 1 },
    /** Defaults to `<[deploy] http_url>/agent/kernel`, which Ferrite serves itself. */
    deploy_kernel: { kind: 'string', default: '' },
    /** Defaults to `<[deploy] http_url>/agent/ramdisk`, which Ferrite serves itself. */
    deploy_ramdisk: { kind: 'string', default: '' },
  },
  deploy: {
    /** Defaults to `<public endpoint>/boot`: Ferrite's own boot file server, on the API port. */
    http_url: { kind: 'string', default: '' },
    /** Empty: the agent's own priority (10 for erase_devices, 99 for erase_devices_metadata); 0 disables the step. */
    erase_devices_priority: { kind: 'string', default: '' },
    erase_devices_metadata_priority: { kind: 'string', default: '' },
  },
  agent: {
    /** Bound of one HTTP exchange with an agent, as Ironic's. */
    command_timeout: { kind: 'int', default: '60', min: 1 },
    /** How often the conductor asks a running agent step (an image write, an erase) how it is going. */
    command_poll_interval: { kind: 'float', default: '1', min: 0.05 },
    /** Seconds one agent step (an image write, an erase) may run; 0: as long as the agent answers. */
    step_timeout: { kind: 'int', default: '0', min: 0 },
  },
  inspector: {
    /** Which NICs found by in-band inspection become ports: all, active (with an IP), pxe (the boot NIC), disabled. */
    add_ports: { kind: 'string', default: 'pxe', choices: ['all', 'active', 'pxe', 'disabled'] },
  },
  pxe: {
    kernel_append_params: { kind: 'string', default: 'nofb nomodeset vga=normal' },
  },
  redfish: {
    connection_attempts: { kind: 'int', default: '5', min: 1 },
    connection_retry_interval: { kind: 'float', default: '4', min: 0 },
    auth_type: { kind: 'string', default: 'auto', choices: ['basic', 'session', 'auto'] },
    /** Ferrite's own: the deadline of one request to a BMC; a hung BMC costs its node this much, no more. */
    request_timeout: { kind: 'float', default: '30', min: 0.1 },
    /** Ferrite's own: the longest wait a BMC's Retry-After may impose. */
    max_retry_after: { kind: 'float', default: '30', min: 0 },
  },
  ipmi: {
    /** Ferrite's own: `native` speaks RMCP+ itself; `ipmitool` runs Ironic's command line (IPMB bridging, exotic BMCs). */
    client: { kind: 'string', default: 'native', choices: ['native', 'ipmitool'] },
    command_retry_timeout: { kind: 'float', default: '60', min: 1 },
    /** Ironic's default is 5 s, sized for forking ipmitool; one RMCP+ session per BMC needs far less. */
    min_command_interval: { kind: 'float', default: '0.01', min: 0 },
    /** Ferrite's own: how long to wait for one answer before sending the request again. */
    request_timeout: { kind: 'float', default: '1', min: 0.05 },
  },
  console: {
    /** Ironic's default is the host's IP; loopback keeps consoles private until an operator opens them up. */
    socat_address: { kind: 'string', default: '127.0.0.1' },
    terminal_timeout: { kind: 'int', default: '600', min: 1 },
  },
  fake: {
    power_delay: { kind: 'string', default: '0' },
    management_delay: { kind: 'string', default: '0' },
    boot_delay: { kind: 'string', default: '0' },
    deploy_delay: { kind: 'string', default: '0' },
    inspect_delay: { kind: 'string', default: '0' },
    rescue_delay: { kind: 'string', default: '0' },
  },
};
for (const slot of INTERFACE_SLOTS) {
  OPTIONS.DEFAULT[`enabled_${slot}_interfaces`] = { kind: 'list', default: '' };
  OPTIONS.DEFAULT[`default_${slot}_interface`] = { kind: 'string', default: '' };
}

export interface Config {
  host: string;
  statePath: string;
  authStrategy: 'noauth' | 'http_basic';
  htpasswdFile: string;
  logLevel: string;
  conductorGroup: string;
  api: {
    hostIp: string;
    port: number;
    maxLimit: number;
    publicEndpoint: string | null;
    maxBodyBytes: number;
    restrictLookup: boolean;
    ramdiskHeartbeatTimeout: number;
    allowInsecureNoauth: boolean;
  };
  database: { connection: string };
  conductor: {
    heartbeatInterval: number;
    heartbeatTimeout: number;
    syncPowerStateInterval: number;
    checkProvisionStateInterval: number;
    deployCallbackTimeout: number;
    cleanCallbackTimeout: number;
    inspectWaitTimeout: number;
    rescueCallbackTimeout: number;
    serviceCallbackTimeout: number;
    powerStateSyncMaxRetries: number;
    forcePowerStateDuringSync: boolean;
    automatedClean: boolean;
    allowDeletingAvailableNodes: boolean;
    syncPowerStateWorkers: number;
    workersPoolSize: number;
    quickActionWait: number;
    powerStateChangeTimeout: number;
    softPowerOffTimeout: number;
    /** null: Ferrite's own agent kernel under `[deploy] http_url`. */
    deployKernel: string | null;
    deployRamdisk: string | null;
  };
  /** null: Ferrite's own boot file server, `<public endpoint>/boot`. */
  deploy: {
    httpUrl: string | null;
    /** undefined: the agent's own priority. */
    erasePriorities: { erase_devices?: number; erase_devices_metadata?: number };
  };
  agent: { commandTimeout: number; commandPollInterval: number; stepTimeout: number };
  inspector: { addPorts: 'all' | 'active' | 'pxe' | 'disabled' };
  pxe: { kernelAppendParams: string };
  redfish: {
    connectionAttempts: number;
    connectionRetryInterval: number;
    authType: 'basic' | 'session' | 'auto';
    requestTimeout: number;
    maxRetryAfter: number;
  };
  ipmi: {
    client: 'native' | 'ipmitool';
    commandRetryTimeout: number;
    minCommandInterval: number;
    requestTimeout: number;
  };
  console: { socatAddress: string; terminalTimeout: number };
  drivers: {
    enabledHardwareTypes: string[];
    enabledInterfaces: Partial<Record<InterfaceSlot, string[]>>;
    defaultInterfaces: Partial<Record<InterfaceSlot, string>>;
    fakeDelays: Record<'power' | 'management' | 'boot' | 'deploy' | 'inspect' | 'rescue', DelaySpec>;
  };
}

export class ConfigError extends Error {}

type Raw = Record<string, Record<string, string>>;

function readRaw(file: string | undefined, env: NodeJS.ProcessEnv): Raw {
  const raw: Raw = {};
  if (file) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (e) {
      throw new ConfigError(`cannot read config file ${file}: ${(e as Error).message}`);
    }
    const parsed = parseIni(text) as Record<string, unknown>;
    for (const [key, value] of Object.entries(parsed)) {
      if (value !== null && typeof value === 'object') {
        raw[key] = Object.fromEntries(Object.entries(value).map(([k, v]) => [k, String(v)]));
      } else {
        // options before any section header belong to [DEFAULT]
        (raw.DEFAULT ??= {})[key] = String(value);
      }
    }
  }
  for (const [name, value] of Object.entries(env)) {
    const m = /^FERRITE_([A-Za-z]+)__([A-Za-z0-9_]+)$/.exec(name);
    if (!m || value === undefined) continue;
    const section = m[1].toUpperCase() === 'DEFAULT' ? 'DEFAULT' : m[1].toLowerCase();
    (raw[section] ??= {})[m[2].toLowerCase()] = value;
  }
  return raw;
}

function convert(section: string, option: string, spec: OptionSpec, text: string): string | number | boolean | string[] {
  const where = `[${section}] ${option}`;
  switch (spec.kind) {
    case 'string':
      if (spec.choices && !spec.choices.includes(text)) {
        throw new ConfigError(`${where} = "${text}" is not one of: ${spec.choices.join(', ')}`);
      }
      return text;
    case 'bool': {
      const v = text.trim().toLowerCase();
      if (['true', '1', 'yes', 'on'].includes(v)) return true;
      if (['false', '0', 'no', 'off'].includes(v)) return false;
      throw new ConfigError(`${where} = "${text}" is not a boolean (true/false)`);
    }
    case 'int':
    case 'float': {
      const n = Number(text);
      if (text.trim() === '' || !Number.isFinite(n) || (spec.kind === 'int' && !Number.isInteger(n))) {
        throw new ConfigError(`${where} = "${text}" is not ${spec.kind === 'int' ? 'an integer' : 'a number'}`);
      }
      if (spec.min !== undefined && n < spec.min) throw new ConfigError(`${where} = ${n} is below the minimum ${spec.min}`);
      if (spec.max !== undefined && n > spec.max) throw new ConfigError(`${where} = ${n} is above the maximum ${spec.max}`);
      return n;
    }
    case 'list':
      return text.split(',').map((s) => s.trim()).filter(Boolean);
  }
}

/** Loads and checks the configuration. `file` may be undefined (defaults and environment only). */
export function loadConfig(file?: string, env: NodeJS.ProcessEnv = process.env): Config {
  const raw = readRaw(file, env);
  for (const [section, options] of Object.entries(raw)) {
    const known = OPTIONS[section];
    if (!known) continue; // sections of other services (Ironic's full ironic.conf) are tolerated
    for (const option of Object.keys(options)) {
      if (!known[option]) throw new ConfigError(`unknown option [${section}] ${option}`);
    }
  }
  const get = (section: string, option: string) => {
    const spec = OPTIONS[section][option];
    return convert(section, option, spec, raw[section]?.[option] ?? spec.default);
  };
  const s = (sec: string, opt: string) => get(sec, opt) as string;
  const n = (sec: string, opt: string) => get(sec, opt) as number;
  const b = (sec: string, opt: string) => get(sec, opt) as boolean;

  const enabledInterfaces: Partial<Record<InterfaceSlot, string[]>> = {};
  const defaultInterfaces: Partial<Record<InterfaceSlot, string>> = {};
  for (const slot of INTERFACE_SLOTS) {
    const enabled = get('DEFAULT', `enabled_${slot}_interfaces`) as string[];
    if (enabled.length > 0) enabledInterfaces[slot] = enabled;
    const def = s('DEFAULT', `default_${slot}_interface`);
    if (def) {
      if (enabled.length > 0 && !enabled.includes(def)) {
        throw new ConfigError(`[DEFAULT] default_${slot}_interface = "${def}" is not in enabled_${slot}_interfaces`);
      }
      defaultInterfaces[slot] = def;
    }
  }
  const delay = (opt: string) => {
    try {
      return parseDelay(s('fake', opt));
    } catch (e) {
      throw new ConfigError(`[fake] ${opt}: ${(e as Error).message}`);
    }
  };
  const hardwareTypes = get('DEFAULT', 'enabled_hardware_types') as string[];
  if (hardwareTypes.length === 0) throw new ConfigError('[DEFAULT] enabled_hardware_types must name at least one hardware type');
  const optionalUrl = (section: string, option: string): string | null => {
    const url = s(section, option).trim().replace(/\/+$/, '');
    if (url === '') return null;
    let parsed: URL | null = null;
    try {
      parsed = new URL(url);
    } catch {
      // reported below
    }
    if (!parsed || (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') || parsed.hostname === '') {
      throw new ConfigError(`[${section}] ${option} = "${url}" must be an http:// or https:// URL`);
    }
    return url;
  };
  const publicEndpoint = optionalUrl('api', 'public_endpoint');
  const optionalPriority = (option: string): number | undefined => {
    const text = s('deploy', option).trim();
    if (text === '') return undefined;
    const v = Number(text);
    if (!Number.isInteger(v) || v < 0) throw new ConfigError(`[deploy] ${option} = "${text}" is not a priority (an integer, 0 or more)`);
    return v;
  };

  return {
    host: s('DEFAULT', 'host'),
    statePath: resolve(s('DEFAULT', 'state_path')),
    authStrategy: s('DEFAULT', 'auth_strategy') as Config['authStrategy'],
    htpasswdFile: s('DEFAULT', 'http_basic_auth_user_file'),
    logLevel: b('DEFAULT', 'debug') ? 'debug' : s('DEFAULT', 'log_level'),
    conductorGroup: s('DEFAULT', 'conductor_group'),
    api: {
      hostIp: s('api', 'host_ip'),
      port: n('api', 'port'),
      maxLimit: n('api', 'max_limit'),
      publicEndpoint,
      maxBodyBytes: n('api', 'max_body_bytes'),
      restrictLookup: b('api', 'restrict_lookup'),
      ramdiskHeartbeatTimeout: n('api', 'ramdisk_heartbeat_timeout'),
      allowInsecureNoauth: b('api', 'allow_insecure_noauth'),
    },
    database: { connection: s('database', 'connection') },
    conductor: {
      heartbeatInterval: n('conductor', 'heartbeat_interval'),
      heartbeatTimeout: n('conductor', 'heartbeat_timeout'),
      syncPowerStateInterval: n('conductor', 'sync_power_state_interval'),
      checkProvisionStateInterval: n('conductor', 'check_provision_state_interval'),
      deployCallbackTimeout: n('conductor', 'deploy_callback_timeout'),
      cleanCallbackTimeout: n('conductor', 'clean_callback_timeout'),
      inspectWaitTimeout: n('conductor', 'inspect_wait_timeout'),
      rescueCallbackTimeout: n('conductor', 'rescue_callback_timeout'),
      serviceCallbackTimeout: n('conductor', 'service_callback_timeout'),
      powerStateSyncMaxRetries: n('conductor', 'power_state_sync_max_retries'),
      forcePowerStateDuringSync: b('conductor', 'force_power_state_during_sync'),
      automatedClean: b('conductor', 'automated_clean'),
      allowDeletingAvailableNodes: b('conductor', 'allow_deleting_available_nodes'),
      syncPowerStateWorkers: n('conductor', 'sync_power_state_workers'),
      workersPoolSize: n('conductor', 'workers_pool_size'),
      quickActionWait: n('conductor', 'quick_action_wait'),
      powerStateChangeTimeout: n('conductor', 'power_state_change_timeout'),
      softPowerOffTimeout: n('conductor', 'soft_power_off_timeout'),
      deployKernel: optionalUrl('conductor', 'deploy_kernel'),
      deployRamdisk: optionalUrl('conductor', 'deploy_ramdisk'),
    },
    deploy: {
      httpUrl: optionalUrl('deploy', 'http_url'),
      erasePriorities: {
        erase_devices: optionalPriority('erase_devices_priority'),
        erase_devices_metadata: optionalPriority('erase_devices_metadata_priority'),
      },
    },
    agent: { commandTimeout: n('agent', 'command_timeout'), commandPollInterval: n('agent', 'command_poll_interval'), stepTimeout: n('agent', 'step_timeout') },
    inspector: { addPorts: s('inspector', 'add_ports') as Config['inspector']['addPorts'] },
    pxe: { kernelAppendParams: s('pxe', 'kernel_append_params').trim() },
    redfish: {
      connectionAttempts: n('redfish', 'connection_attempts'),
      connectionRetryInterval: n('redfish', 'connection_retry_interval'),
      authType: s('redfish', 'auth_type') as Config['redfish']['authType'],
      requestTimeout: n('redfish', 'request_timeout'),
      maxRetryAfter: n('redfish', 'max_retry_after'),
    },
    ipmi: {
      client: s('ipmi', 'client') as Config['ipmi']['client'],
      commandRetryTimeout: n('ipmi', 'command_retry_timeout'),
      minCommandInterval: n('ipmi', 'min_command_interval'),
      requestTimeout: n('ipmi', 'request_timeout'),
    },
    console: { socatAddress: s('console', 'socat_address'), terminalTimeout: n('console', 'terminal_timeout') },
    drivers: {
      enabledHardwareTypes: hardwareTypes,
      enabledInterfaces,
      defaultInterfaces,
      fakeDelays: {
        power: delay('power_delay'),
        management: delay('management_delay'),
        boot: delay('boot_delay'),
        deploy: delay('deploy_delay'),
        inspect: delay('inspect_delay'),
        rescue: delay('rescue_delay'),
      },
    },
  };
}

/**
 * Where nodes boot from, with the defaults filled in: the API's public endpoint (else the address it listens on,
 * loopback when it listens on every address), the boot files under it, Ferrite's own agent kernel and ramdisk.
 * `listenPort` is the port really bound, for `[api] port = 0`.
 */
export function bootSettings(config: Config, listenPort: number = config.api.port): BootSettings {
  let apiUrl = config.api.publicEndpoint;
  if (apiUrl === null) {
    const ip = config.api.hostIp;
    const host = ip === '0.0.0.0' || ip === '::' || ip === '' ? '127.0.0.1' : ip.includes(':') ? `[${ip}]` : ip;
    apiUrl = `http://${host}:${listenPort}`;
  }
  const httpUrl = config.deploy.httpUrl ?? `${apiUrl}/boot`;
  return {
    apiUrl,
    httpUrl,
    deployKernel: config.conductor.deployKernel ?? `${httpUrl}/agent/kernel`,
    deployRamdisk: config.conductor.deployRamdisk ?? `${httpUrl}/agent/ramdisk`,
    kernelAppendParams: config.pxe.kernelAppendParams,
  };
}
