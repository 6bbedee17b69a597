import { isIPv4, isIPv6 } from 'node:net';
import { Ajv, type ErrorObject } from 'ajv';
import { InvalidParameterValue } from '../../domain/errors.js';

/**
 * The shape of a node's `network_data`: the network configuration an instance reads from its config drive, in
 * Nova's network_data.json form (L2 links, L3 networks, services). Ironic refuses a document that does not fit,
 * so a bad one fails at the API instead of in the deployed instance's cloud-init.
 */

const mac = { type: 'string', pattern: '^([0-9A-Fa-f]{2}[:-]){5}[0-9A-Fa-f]{2}$' };
const mtu = { anyOf: [{ type: 'number', minimum: 1, maximum: 65535 }, { type: 'null' }] };
const dns = (format: string) => ({
  type: 'array',
  items: {
    type: 'object', required: ['address', 'type'],
    properties: { address: { type: 'string', format }, type: { enum: ['dns'] } },
  },
});

const linkTypes = ['bridge', 'dvs', 'hw_veb', 'hyperv', 'ovs', 'tap', 'vhostuser', 'vif', 'phy'];
const bondModes = ['802.1ad', 'balance-rr', 'active-backup', 'balance-xor', 'broadcast', 'balance-tlb', 'balance-alb'];

const link = {
  type: 'object',
  required: ['id', 'type'],
  properties: { id: { type: 'string' }, type: { enum: [...linkTypes, 'bond', 'vlan'] }, mtu, vif_id: { type: 'string' } },
  allOf: [
    {
      if: { properties: { type: { const: 'bond' } } },
      then: {
        required: ['ethernet_mac_address', 'bond_mode', 'bond_links'],
        properties: { ethernet_mac_address: mac, bond_mode: { enum: bondModes }, bond_links: { type: 'array', items: { type: 'string' } } },
      },
    },
    {
      if: { properties: { type: { const: 'vlan' } } },
      then: {
        required: ['vlan_mac_address', 'vlan_link', 'vlan_id'],
        properties: { vlan_mac_address: mac, vlan_link: { type: 'string' }, vlan_id: { type: 'integer' } },
      },
    },
    {
      if: { properties: { type: { enum: linkTypes } } },
      then: { required: ['ethernet_mac_address'], properties: { ethernet_mac_address: mac } },
    },
  ],
};

const network = (family: 'ipv4' | 'ipv6', types: string[]) => ({
  type: 'object',
  required: ['id', 'link', 'network_id', 'type'],
  properties: {
    id: { type: 'string' },
    link: { type: 'string' },
    network_id: { type: 'string' },
    type: { enum: types },
    ip_address: { type: 'string', format: family === 'ipv4' ? 'ipv4' : 'ipv6-cidr' },
    netmask: { type: 'string', format: family },
    routes: {
      type: 'array',
      items: {
        type: 'object', required: ['network', 'netmask', 'gateway'],
        properties: {
          network: { type: 'string', format: family },
          netmask: { type: 'string', format: family },
          gateway: { type: 'string', format: family },
          services: dns(family),
        },
      },
    },
  },
});

const schema = {
  type: 'object',
  required: ['links', 'networks', 'services'],
  properties: {
    links: { type: 'array', items: link },
    networks: {
      type: 'array',
      items: {
        type: 'object',
        required: ['type'],
        properties: { type: { enum: ['ipv4', 'ipv4_dhcp', 'ipv6', 'ipv6_dhcp', 'ipv6_slaac'] } },
        if: { properties: { type: { enum: ['ipv4', 'ipv4_dhcp'] } } },
        then: network('ipv4', ['ipv4', 'ipv4_dhcp']),
        else: network('ipv6', ['ipv6', 'ipv6_dhcp', 'ipv6_slaac']),
      },
    },
    services: {
      type: 'array',
      items: {
        type: 'object', required: ['address', 'type'],
        properties: { address: { type: 'string', format: 'ip' }, type: { enum: ['dns'] } },
      },
    },
  },
};

const ajv = new Ajv({ allErrors: false, strict: true, strictRequired: false });
ajv.addFormat('ipv4', isIPv4);
ajv.addFormat('ipv6', isIPv6);
ajv.addFormat('ip', (s: string) => isIPv4(s) || isIPv6(s));
ajv.addFormat('ipv6-cidr', (s: string) => {
  const [address, prefix, ...rest] = s.split('/');
  return rest.length === 0 && isIPv6(address ?? '') && (prefix === undefined || /^\d{1,3}$/.test(prefix) && Number(prefix) <= 128);
});
const validate = ajv.compile(schema);

function describe(e: ErrorObject): string {
  const where = e.instancePath === '' ? 'network_data' : `network_data${e.instancePath}`;
  return `${where} ${e.message ?? 'is invalid'}`;
}

/** `{}` (no network data) or a valid document; anything else is a 400 naming the first problem. */
export function checkNetworkData(value: unknown): Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new InvalidParameterValue(`Invalid network_data: ${JSON.stringify(value)} is not of type object.`);
  }
  if (Object.keys(value).length > 0 && !validate(value)) {
    const first = validate.errors?.[0];
    throw new InvalidParameterValue(`Invalid network_data: ${first ? describe(first) : 'does not match the network data schema'}.`);
  }
  return value as Record<string, unknown>;
}
