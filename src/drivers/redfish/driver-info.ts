import { existsSync } from 'node:fs';
import type { Node } from '../../domain/node.js';
import { InvalidParameterValue, MissingParameterValue } from '../../domain/errors.js';
import type { RedfishAuthType } from '../../clients/redfish/client.js';

/** A node's Redfish settings, read from driver_info under Ironic's names. */
export interface RedfishDriverInfo {
  /** `https://host[:port]` (https assumed when the scheme is left out). */
  address: string;
  /** Path of the ComputerSystem; null when the BMC manages one system and it is to be found. */
  systemId: string | null;
  username: string | undefined;
  password: string | undefined;
  verify: boolean | string;
  authType: RedfishAuthType;
}

export const REDFISH_PROPERTIES: Record<string, string> = {
  redfish_address: 'The URL address to the Redfish controller. It must include the authority portion of the URL. If the scheme is missing, https is assumed. Required.',
  redfish_system_id: 'The canonical path to the ComputerSystem resource that the driver will interact with. It should include the root service, version and the unique resource path to a ComputerSystem. This property is only required if target BMC manages more than one ComputerSystem. Otherwise the one ComputerSystem is used. Optional.',
  redfish_username: 'User account with admin/server-profile access privilege. Although this property is not mandatory it\'s highly recommended to set a username. Optional',
  redfish_password: 'User account password. Although this property is not mandatory, it\'s highly recommended to set a password. Optional',
  redfish_verify_ca: 'Either a Boolean value, a path to a CA_BUNDLE file or directory with certificates of trusted CAs. If set to True the driver will verify the host certificates; if False the driver will ignore verifying the SSL certificate. If it\'s a path the driver will use the specified certificate or one of the certificates in the directory. Defaults to True. Optional',
  redfish_auth_type: 'Redfish HTTP client authentication method. One of "basic", "session" or "auto". Optional. Defaults to the [redfish] auth_type option ("auto").',
};

const TRUE_WORDS = new Set(['1', 't', 'true', 'on', 'y', 'yes']);
const FALSE_WORDS = new Set(['0', 'f', 'false', 'off', 'n', 'no']);
const AUTH_TYPES: readonly RedfishAuthType[] = ['basic', 'session', 'auto'];

/** Parses and checks the node's driver_info; throws Missing/InvalidParameterValue with Ironic's wording. */
export function parseRedfishDriverInfo(node: Node, defaultAuthType: RedfishAuthType): RedfishDriverInfo {
  const info = node.driver_info;
  const rawAddress = info.redfish_address;
  if (rawAddress === undefined || rawAddress === null || rawAddress === '') {
    throw new MissingParameterValue(`Missing the following Redfish properties in node ${node.uuid} driver_info: redfish_address`);
  }
  const address = parseAddress(node, rawAddress);

  let systemId: string | null = null;
  const rawSystem = info.redfish_system_id;
  if (rawSystem !== undefined && rawSystem !== null && rawSystem !== '') {
    if (typeof rawSystem !== 'string') {
      throw new InvalidParameterValue(`Invalid value "${JSON.stringify(rawSystem)}" set in driver_info/redfish_system_id on node ${node.uuid}. The value should be a path (string)`);
    }
    systemId = rawSystem.startsWith('/') ? rawSystem.replace(/\/+$/, '') : pathOfUrl(node, rawSystem);
  }

  for (const key of ['redfish_username', 'redfish_password'] as const) {
    const v = info[key];
    if (v !== undefined && v !== null && typeof v !== 'string') {
      throw new InvalidParameterValue(`Invalid value type set in driver_info/${key} on node ${node.uuid}. The value should be a string`);
    }
  }

  const authRaw = info.redfish_auth_type;
  let authType = defaultAuthType;
  if (authRaw !== undefined && authRaw !== null) {
    if (typeof authRaw !== 'string' || !AUTH_TYPES.includes(authRaw as RedfishAuthType)) {
      throw new InvalidParameterValue(`Invalid value "${typeof authRaw === 'string' ? authRaw : JSON.stringify(authRaw)}" set in driver_info/redfish_auth_type on node ${node.uuid}. The value should be one of "${AUTH_TYPES.join(', ')}"`);
    }
    authType = authRaw as RedfishAuthType;
  }

  return {
    address, systemId,
    username: (info.redfish_username as string | undefined) ?? undefined,
    password: (info.redfish_password as string | undefined) ?? undefined,
    verify: parseVerify(node, info.redfish_verify_ca),
    authType,
  };
}

function parseAddress(node: Node, raw: unknown): string {
  const invalid = () => new InvalidParameterValue(`Invalid Redfish address ${String(raw)} set in driver_info/redfish_address on node ${node.uuid}`);
  if (typeof raw !== 'string') throw invalid();
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(raw) ? raw : `https://${raw}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    throw invalid();
  }
  if ((url.protocol !== 'https:' && url.protocol !== 'http:') || url.hostname === '' || url.username || url.password) throw invalid();
  return url.origin;
}

function pathOfUrl(node: Node, raw: string): string {
  try {
    return new URL(raw).pathname.replace(/\/+$/, '');
  } catch {
    throw new InvalidParameterValue(`Invalid value "${raw}" set in driver_info/redfish_system_id on node ${node.uuid}. The value should be a path such as /redfish/v1/Systems/1`);
  }
}

function parseVerify(node: Node, raw: unknown): boolean | string {
  if (raw === undefined || raw === null) return true;
  if (typeof raw === 'boolean') return raw;
  if (typeof raw === 'string') {
    const word = raw.trim().toLowerCase();
    if (TRUE_WORDS.has(word)) return true;
    if (FALSE_WORDS.has(word)) return false;
    if (!existsSync(raw)) {
      throw new InvalidParameterValue(`The value "${raw}" set in driver_info/redfish_verify_ca on node ${node.uuid} is not a valid path`);
    }
    return raw;
  }
  throw new InvalidParameterValue(`Invalid value type set in driver_info/redfish_verify_ca on node ${node.uuid}. The value should be a Boolean or the path to a file/directory, not "${JSON.stringify(raw)}"`);
}
