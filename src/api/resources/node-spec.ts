import { INTERFACE_SLOTS } from '../../domain/node.js';
import { InvalidParameterValue } from '../../domain/errors.js';
import { isValidNodeName } from '../../domain/validation.js';
import type { Spec, FieldSpec } from '../field-checks.js';
import { checkNetworkData } from '../schemas/network-data.js';

const str = (since: number, max?: number): FieldSpec => ({ kind: { t: 'string', nullable: true, max }, since });
const obj = (since: number): FieldSpec => ({ kind: { t: 'object' }, since });
const bool = (since: number, nullable = false): FieldSpec => ({ kind: { t: 'bool', nullable }, since });

const INTERFACE_SINCE: Record<string, number> = {
  network: 20, storage: 33, rescue: 38, bios: 40, firmware: 86,
};

/** Node fields a client may set on create and through PATCH, with their kinds and versions. */
export function nodeFieldSpec(minor: number): Spec {
  const spec: Record<string, FieldSpec> = {
    uuid: { kind: { t: 'uuid' }, since: 1 },
    name: {
      kind: {
        t: 'custom',
        check: (v) => {
          if (v === null) return null;
          if (typeof v !== 'string' || !isValidNodeName(v, minor)) {
            throw new InvalidParameterValue(`Cannot create node with invalid name ${JSON.stringify(v)}`);
          }
          return v;
        },
      },
      since: 5,
    },
    driver: { kind: { t: 'string', max: 255, min: 1 }, since: 1 },
    driver_info: obj(1),
    properties: obj(1),
    extra: obj(1),
    instance_info: obj(1),
    instance_uuid: { kind: { t: 'uuid', nullable: true }, since: 1 },
    chassis_uuid: { kind: { t: 'uuid', nullable: true }, since: 1 },
    maintenance: bool(1),
    maintenance_reason: str(1, 255),
    resource_class: str(21, 80),
    conductor_group: {
      kind: {
        t: 'custom',
        check: (v) => {
          if (v === null) return '';
          if (typeof v !== 'string' || v.length > 255 || !/^[a-zA-Z0-9_\-.]*$/.test(v)) {
            throw new InvalidParameterValue(`Invalid conductor_group ${JSON.stringify(v)}: use letters, digits, '_', '-' and '.'.`);
          }
          return v.toLowerCase();
        },
      },
      since: 46,
    },
    automated_clean: bool(47, true),
    protected: bool(48),
    protected_reason: str(48, 255),
    owner: str(50, 255),
    description: str(51, 4096),
    retired: bool(61),
    retired_reason: str(61, 255),
    lessee: str(65, 255),
    network_data: { kind: { t: 'custom', check: checkNetworkData }, since: 66 },
    shard: str(82, 255),
    parent_node: str(83, 255),
    disable_power_off: bool(95),
    instance_name: str(104, 255),
  };
  for (const slot of INTERFACE_SLOTS) {
    spec[`${slot}_interface`] = { kind: { t: 'string', nullable: true, max: 255 }, since: INTERFACE_SINCE[slot] ?? 31 };
  }
  return spec;
}

export const NODE_MANDATORY_FIELDS: ReadonlySet<string> = new Set(['driver', 'uuid']);
