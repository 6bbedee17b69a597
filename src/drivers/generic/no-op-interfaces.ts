import type {
  DeployInterface, InspectInterface, ManagementInterface, PassiveInterface, RescueInterface,
} from '../interfaces.js';
import { UnsupportedDriverExtension } from '../../domain/errors.js';

/**
 * The `no-*` and `noop` implementations: a node that picks them says "this slot does nothing", and any request
 * that needs the slot fails with a clear error instead of silently succeeding.
 */

const noProperties = () => ({});

function unsupported(slot: string): never {
  throw new UnsupportedDriverExtension(`The ${slot} interface is not supported by this node's driver (no-${slot}).`);
}

export function passive(name: string): PassiveInterface {
  return { name, properties: noProperties, validate: async () => {} };
}

/** no-console, no-raid, no-bios, no-vendor, no-firmware: validation fails so `validate` reports them as off. */
export function unsupportedPassive(slot: string): PassiveInterface {
  return {
    name: `no-${slot}`,
    properties: noProperties,
    validate: async () => unsupported(slot),
  };
}

export function noInspect(): InspectInterface {
  return { ...unsupportedPassive('inspect'), inspect: async () => unsupported('inspect') };
}

export function noRescue(): RescueInterface {
  return {
    ...unsupportedPassive('rescue'),
    rescue: async () => unsupported('rescue'),
    unrescue: async () => unsupported('rescue'),
  };
}

export function noManagement(): ManagementInterface {
  return {
    ...unsupportedPassive('management'),
    supportedBootDevices: async () => [],
    setBootDevice: async () => unsupported('management'),
    getBootDevice: async () => unsupported('management'),
  };
}

export type { DeployInterface };
