// The emulated firmware's attribute registry: a handful of attributes covering every value type a BIOS settings
// client has to handle (enumerations, a boolean, an integer, a free string).
import { message, type ExtendedInfo } from './redfish-errors.js';
import type { BiosValue } from './lab-types.js';

type AttributeDef =
  | { type: 'enum'; values: readonly string[]; default: string }
  | { type: 'boolean'; default: boolean }
  | { type: 'integer'; min: number; max: number; default: number }
  | { type: 'string'; maxLength: number; default: string };

const ENABLED = ['Enabled', 'Disabled'] as const;

export const BIOS_ATTRIBUTES: Readonly<Record<string, AttributeDef>> = {
  BootMode: { type: 'enum', values: ['Uefi', 'Bios'], default: 'Uefi' },
  ProcTurboMode: { type: 'enum', values: ENABLED, default: 'Enabled' },
  ProcVirtualization: { type: 'enum', values: ENABLED, default: 'Enabled' },
  ProcHyperThreading: { type: 'enum', values: ENABLED, default: 'Enabled' },
  SriovEnable: { type: 'enum', values: ENABLED, default: 'Disabled' },
  EmbeddedSata: { type: 'enum', values: ['AhciMode', 'RaidMode'], default: 'AhciMode' },
  NumaEnabled: { type: 'boolean', default: true },
  PxeRetryCount: { type: 'integer', min: 0, max: 16, default: 1 },
  AdminPhone: { type: 'string', maxLength: 32, default: '' },
};

export function biosDefaults(): Record<string, BiosValue> {
  const out: Record<string, BiosValue> = {};
  for (const [name, def] of Object.entries(BIOS_ATTRIBUTES)) out[name] = def.default;
  return out;
}

/** Checks a settings PATCH; returns the problems (empty when every attribute is acceptable). */
export function checkBiosAttributes(attrs: Record<string, unknown>): ExtendedInfo[] {
  const problems: ExtendedInfo[] = [];
  for (const [name, value] of Object.entries(attrs)) {
    const def = BIOS_ATTRIBUTES[name];
    if (!Object.hasOwn(BIOS_ATTRIBUTES, name) || def === undefined) {
      problems.push(message('PropertyUnknown', [name]));
      continue;
    }
    switch (def.type) {
      case 'enum':
        if (typeof value !== 'string') problems.push(message('PropertyValueTypeError', [value, name]));
        else if (!def.values.includes(value)) problems.push(message('PropertyValueNotInList', [value, name]));
        break;
      case 'boolean':
        if (typeof value !== 'boolean') problems.push(message('PropertyValueTypeError', [value, name]));
        break;
      case 'integer':
        if (typeof value !== 'number' || !Number.isInteger(value)) {
          problems.push(message('PropertyValueTypeError', [value, name]));
        } else if (value < def.min || value > def.max) {
          problems.push(message('PropertyValueNotInList', [value, name]));
        }
        break;
      case 'string':
        if (typeof value !== 'string') problems.push(message('PropertyValueTypeError', [value, name]));
        else if (value.length > def.maxLength) problems.push(message('PropertyValueNotInList', [value, name]));
        break;
    }
  }
  return problems;
}
