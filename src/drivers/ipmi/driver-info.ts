import type { Node } from '../../domain/node.js';
import { InvalidParameterValue, MissingParameterValue } from '../../domain/errors.js';
import type { IpmiBridging, IpmiTarget } from '../../clients/ipmi/ipmi-backend.js';

/** A node's IPMI settings, read from driver_info under Ironic's names. */
export interface IpmiDriverInfo {
  target: IpmiTarget;
  /** `host:port`, for messages. */
  bmc: string;
  /** Set the boot device again before every power on (for BMCs that forget it), as Ironic's option does. */
  forceBootDevice: boolean;
  /** Ask the BMC not to drop the boot flags after 60 s (Ironic's ipmi_disable_boot_timeout). */
  disableBootTimeout: boolean;
  terminalPort: number | null;
}

export const IPMI_PROPERTIES: Record<string, string> = {
  ipmi_address: 'IP address or hostname of the node. Required.',
  ipmi_port: 'remote IPMI RMCP port. Optional.',
  ipmi_username: 'username; default is NULL user. Optional.',
  ipmi_password: 'password. Optional.',
  ipmi_priv_level: 'privilege level; default is ADMINISTRATOR. One of CALLBACK, USER, OPERATOR, ADMINISTRATOR. Optional.',
  ipmi_protocol_version: 'the version of the IPMI protocol; default is "2.0". Ferrite speaks IPMI 2.0 (RMCP+) only. Optional.',
  ipmi_cipher_suite: 'The number of a cipher suite to use. Ferrite supports 1, 2, 3, 15, 16 and 17; default 3. Optional.',
  ipmi_bridging: 'bridging_type; default is "no". One of "single", "dual", "no"; bridging needs [ipmi] client = ipmitool. Optional.',
  ipmi_local_address: 'local IPMB address for bridged requests. Used only if ipmi_bridging is set to "single" or "dual". Optional.',
  ipmi_transit_channel: 'transit channel for bridged request. Required only if ipmi_bridging is set to "dual".',
  ipmi_transit_address: 'transit address for bridged request. Required only if ipmi_bridging is set to "dual".',
  ipmi_target_channel: 'destination channel for bridged request. Required only if ipmi_bridging is set to "single" or "dual".',
  ipmi_target_address: 'destination address for bridged request. Required only if ipmi_bridging is set to "single" or "dual".',
  ipmi_terminal_port: 'node\'s UDP port to connect to. Only required for console access.',
  ipmi_force_boot_device: 'Whether Ferrite should set the boot device again on every power on or reboot, for BMCs that forget it. Default False. Optional.',
  ipmi_disable_boot_timeout: 'By default Ferrite asks the BMC not to clear the boot flags after 60 seconds. Set to False to leave the BMC\'s timeout. Optional.',
};

/** A driver_info value as the operator wrote it, for messages. */
const show = (v: unknown): string => (typeof v === 'string' ? v : JSON.stringify(v));

const PRIV_LEVELS = ['ADMINISTRATOR', 'CALLBACK', 'OPERATOR', 'USER'] as const;
const TRUE_WORDS = new Set(['1', 't', 'true', 'on', 'y', 'yes']);
const FALSE_WORDS = new Set(['0', 'f', 'false', 'off', 'n', 'no']);

function bool(node: Node, key: string, raw: unknown, fallback: boolean): boolean {
  if (raw === undefined || raw === null || raw === '') return fallback;
  if (typeof raw === 'boolean') return raw;
  const word = show(raw).trim().toLowerCase();
  if (TRUE_WORDS.has(word)) return true;
  if (FALSE_WORDS.has(word)) return false;
  throw new InvalidParameterValue(`Invalid value "${show(raw)}" set in driver_info/${key} on node ${node.uuid}. The value should be a Boolean`);
}

function port(node: Node, key: string, raw: unknown, fallback: number | null): number | null {
  if (raw === undefined || raw === null || raw === '') return fallback;
  const n = typeof raw === 'number' ? raw : /^\d+$/.test(show(raw)) ? Number(raw) : NaN;
  if (!Number.isInteger(n) || n < 1 || n > 65535) {
    throw new InvalidParameterValue(`${key} "${show(raw)}" of node ${node.uuid} is not a valid port (1-65535).`);
  }
  return n;
}

function text(node: Node, key: string, raw: unknown): string | undefined {
  if (raw === undefined || raw === null) return undefined;
  if (typeof raw !== 'string') throw new InvalidParameterValue(`driver_info/${key} of node ${node.uuid} must be a string.`);
  return raw;
}

/** A channel (0-15) or IPMB address (0-255), decimal or 0x-hex as ipmitool takes them. */
function ipmbNumber(node: Node, key: string, raw: unknown, max: number): number | undefined {
  if (raw === undefined || raw === null || raw === '') return undefined;
  const word = show(raw).trim();
  const n = typeof raw === 'number' ? raw : /^0x[0-9a-f]+$/i.test(word) ? parseInt(word, 16) : /^\d+$/.test(word) ? Number(word) : NaN;
  if (!Number.isInteger(n) || n < 0 || n > max) {
    throw new InvalidParameterValue(`Invalid value "${show(raw)}" set in driver_info/${key} on node ${node.uuid}. ` +
      `The value should be a number from 0 to ${max} (decimal or 0x hexadecimal).`);
  }
  return n;
}

/** Ironic's ipmi_bridging and its channel/address options; undefined for "no". */
function parseBridging(node: Node, available: boolean): IpmiBridging | undefined {
  const info = node.driver_info;
  const type = show(info.ipmi_bridging ?? 'no');
  if (type === 'no') return undefined;
  if (type !== 'single' && type !== 'dual') {
    throw new InvalidParameterValue(`Invalid value for ipmi_bridging: ${type}, the valid value can be one of: ['single', 'dual', 'no']`);
  }
  if (!available) {
    throw new InvalidParameterValue(`Parameter ipmi_bridging="${type}" of node ${node.uuid} is not supported: Ferrite's native IPMI client does not bridge; use "no".`);
  }
  const keys = ['ipmi_target_channel', 'ipmi_target_address', ...(type === 'dual' ? ['ipmi_transit_channel', 'ipmi_transit_address'] : [])];
  const missing = keys.filter((k) => info[k] === undefined || info[k] === null || info[k] === '');
  if (missing.length > 0) throw new MissingParameterValue(`[${missing.map((k) => `'${k}'`).join(', ')}] not provided`);
  const localAddress = ipmbNumber(node, 'ipmi_local_address', info.ipmi_local_address, 255);
  return {
    type,
    targetChannel: ipmbNumber(node, 'ipmi_target_channel', info.ipmi_target_channel, 15)!,
    targetAddress: ipmbNumber(node, 'ipmi_target_address', info.ipmi_target_address, 255)!,
    ...(type === 'dual' ? {
      transitChannel: ipmbNumber(node, 'ipmi_transit_channel', info.ipmi_transit_channel, 15)!,
      transitAddress: ipmbNumber(node, 'ipmi_transit_address', info.ipmi_transit_address, 255)!,
    } : {}),
    ...(localAddress === undefined ? {} : { localAddress }),
  };
}

/**
 * Parses and checks the node's driver_info; throws Missing/InvalidParameterValue naming the key. `bridging`: whether
 * the configured IPMI backend can bridge (ipmitool); without it, any ipmi_bridging but "no" is refused.
 */
export function parseIpmiDriverInfo(node: Node, backend: { bridging: boolean } = { bridging: false }): IpmiDriverInfo {
  const info = node.driver_info;
  const address = text(node, 'ipmi_address', info.ipmi_address);
  if (!address) {
    throw new MissingParameterValue(`Missing the following IPMI credentials in node's driver_info: ['ipmi_address'].`);
  }
  const username = text(node, 'ipmi_username', info.ipmi_username) ?? '';
  const password = text(node, 'ipmi_password', info.ipmi_password) ?? '';
  if (Buffer.byteLength(username) > 16) throw new InvalidParameterValue(`driver_info/ipmi_username of node ${node.uuid} is longer than IPMI's 16 bytes.`);
  if (Buffer.byteLength(password) > 20) throw new InvalidParameterValue(`driver_info/ipmi_password of node ${node.uuid} is longer than IPMI 2.0's 20 bytes.`);

  const priv = show(info.ipmi_priv_level ?? 'ADMINISTRATOR').toUpperCase();
  if (!(PRIV_LEVELS as readonly string[]).includes(priv)) {
    throw new InvalidParameterValue(`Invalid privilege level value:${show(info.ipmi_priv_level)}, the valid value can be one of ${PRIV_LEVELS.join(', ')}`);
  }
  const version = show(info.ipmi_protocol_version ?? '2.0');
  if (version !== '2.0') {
    throw new InvalidParameterValue(`Invalid IPMI protocol version value ${version}, the valid value can be one of 2.0 (Ferrite speaks IPMI 2.0 / RMCP+ only)`);
  }
  let cipherSuite: number | undefined;
  if (info.ipmi_cipher_suite !== undefined && info.ipmi_cipher_suite !== null && info.ipmi_cipher_suite !== '') {
    const raw = info.ipmi_cipher_suite;
    cipherSuite = typeof raw === 'number' ? raw : /^\d+$/.test(show(raw)) ? Number(raw) : NaN;
    if (![1, 2, 3, 15, 16, 17].includes(cipherSuite)) {
      throw new InvalidParameterValue(`Invalid value "${show(raw)}" set in driver_info/ipmi_cipher_suite on node ${node.uuid}. Ferrite supports cipher suites 1, 2, 3, 15, 16 and 17.`);
    }
  }
  const bridging = parseBridging(node, backend.bridging);
  const udpPort = port(node, 'ipmi_port', info.ipmi_port, 623)!;
  return {
    target: {
      host: address, port: udpPort, username, password, cipherSuite,
      privilege: priv.toLowerCase() as IpmiTarget['privilege'],
      ...(bridging ? { bridging } : {}),
    },
    bmc: `${address}:${udpPort}`,
    forceBootDevice: bool(node, 'ipmi_force_boot_device', info.ipmi_force_boot_device, false),
    disableBootTimeout: bool(node, 'ipmi_disable_boot_timeout', info.ipmi_disable_boot_timeout, true),
    terminalPort: port(node, 'ipmi_terminal_port', info.ipmi_terminal_port, null),
  };
}
