import type { JsonObject } from '../node.js';

/** IPMI's RMCP port, what an address without a port means. */
const IPMI_DEFAULT_PORT = 623;

/**
 * A string naming the BMC (and, for Redfish, the system behind it) a node's driver_info points at, or null when
 * it names none. Two nodes with the same identity are the same machine: enrollment matches on it, as TripleO
 * does, so a file re-run after a rename still finds its nodes.
 */
export function bmcIdentity(driver: string, info: JsonObject): string | null {
  if (driver === 'ipmi') {
    const address = info.ipmi_address;
    if (typeof address !== 'string' || address === '') return null;
    const port = info.ipmi_port === undefined || info.ipmi_port === null || info.ipmi_port === '' ? IPMI_DEFAULT_PORT : Number(info.ipmi_port);
    return `ipmi ${address.toLowerCase()}:${port}`;
  }
  if (driver === 'redfish') {
    const address = info.redfish_address;
    if (typeof address !== 'string' || address === '') return null;
    // https is what an address without scheme means; a trailing slash changes nothing either.
    const host = address.replace(/^https?:\/\//i, '').replace(/\/+$/, '').toLowerCase();
    const system = typeof info.redfish_system_id === 'string' ? info.redfish_system_id.replace(/^\/+|\/+$/g, '') : '';
    return `redfish ${host}/${system}`;
  }
  return null;
}
