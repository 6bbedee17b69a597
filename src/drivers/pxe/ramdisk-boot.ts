import type { Json, JsonObject, Node } from '../../domain/node.js';
import { InvalidParameterValue, MissingParameterValue } from '../../domain/errors.js';
import type { TaskContext } from '../interfaces.js';
import type { BootSettings } from './boot-settings.js';
import { isHttpUrl } from '../../domain/validation.js';

/**
 * What the network- and virtual-media boot interfaces share: which kernel and ramdisk a node boots with which
 * command line, and the record of it on the node. The record is the whole boot configuration — the boot file
 * server renders scripts from it on request — so there are no files to go stale and any conductor can serve them.
 */

/** The driver_internal_info key of a prepared ramdisk boot. */
export const RAMDISK_BOOT_KEY = 'ferrite_boot';

export interface RamdiskBoot {
  kernel: string;
  ramdisk: string;
  /** Space-separated kernel command line words, without BOOTIF (the script adds it per NIC). */
  cmdline: string;
}

export const RAMDISK_BOOT_PROPERTIES: Record<string, string> = {
  deploy_kernel: 'http:// or https:// URL of the kernel the node boots for deploying, cleaning and inspection (the agent\'s boot shim). Optional; defaults to [conductor] deploy_kernel, which Ferrite itself serves.',
  deploy_ramdisk: 'http:// or https:// URL of the ramdisk booted with deploy_kernel (the agent). Optional; defaults to [conductor] deploy_ramdisk, which Ferrite itself serves.',
  kernel_append_params: 'Words added to the kernel command line of the ramdisk, in place of [pxe] kernel_append_params. Optional.',
};

// A line break in the kernel parameters would end the boot script's line and start another command.
const UNSAFE_PARAMS = { test: (t: string) => [...t].some((ch) => { const c = ch.charCodeAt(0); return (c < 0x20 && c !== 0x09) || c === 0x7f; }) };


function imageUrl(node: Node, key: 'deploy_kernel' | 'deploy_ramdisk', fallback: string): string {
  const raw = node.driver_info[key];
  if (raw === undefined || raw === null || raw === '') return fallback;
  if (typeof raw !== 'string' || !isHttpUrl(raw)) {
    throw new InvalidParameterValue(
      `driver_info/${key} of node ${node.uuid} is ${JSON.stringify(raw)}: Ferrite boots only from http:// or https:// URLs (Glance image ids are not supported)`,
    );
  }
  return raw;
}

function appendParams(node: Node, settings: BootSettings): string {
  const raw = node.driver_info.kernel_append_params;
  if (raw === undefined || raw === null) return settings.kernelAppendParams;
  if (typeof raw !== 'string') {
    throw new InvalidParameterValue(`driver_info/kernel_append_params of node ${node.uuid} must be a string, not ${JSON.stringify(raw)}`);
  }
  if (UNSAFE_PARAMS.test(raw)) {
    throw new InvalidParameterValue(`driver_info/kernel_append_params of node ${node.uuid} must be one line of words, without control characters`);
  }
  return raw.trim().split(/\s+/).join(' ');
}

/** Checks the node's boot settings without contacting anything; throws InvalidParameterValue naming the key. */
export function validateRamdiskBoot(node: Node, settings: BootSettings): void {
  imageUrl(node, 'deploy_kernel', settings.deployKernel);
  imageUrl(node, 'deploy_ramdisk', settings.deployRamdisk);
  appendParams(node, settings);
}

function word(node: Node, key: string, value: Json): string {
  if (!/^[A-Za-z0-9_.:-]+$/.test(key)) {
    throw new InvalidParameterValue(`Kernel parameter name ${JSON.stringify(key)} for node ${node.uuid} is not a single word`);
  }
  if (value === null || value === true) return key;
  if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') {
    throw new InvalidParameterValue(`Kernel parameter ${key} for node ${node.uuid} must be a string or a number`);
  }
  const text = String(value);
  if (text === '' || /\s/.test(text)) {
    throw new InvalidParameterValue(`Kernel parameter ${key}=${JSON.stringify(text)} for node ${node.uuid} must be one word`);
  }
  return `${key}=${text}`;
}

/** The node's ramdisk boot: its kernel, ramdisk and command line with `extraParams` as `key=value` words. */
export function ramdiskBoot(node: Node, settings: BootSettings, extraParams: JsonObject): RamdiskBoot {
  const params: JsonObject = { 'ipa-api-url': settings.apiUrl, ...extraParams };
  const words = Object.entries(params).map(([k, v]) => word(node, k, v));
  const append = appendParams(node, settings).trim();
  if (append !== '') words.push(append);
  return {
    kernel: imageUrl(node, 'deploy_kernel', settings.deployKernel),
    ramdisk: imageUrl(node, 'deploy_ramdisk', settings.deployRamdisk),
    cmdline: words.join(' '),
  };
}

/** The prepared ramdisk boot recorded on the node, or null. */
export function recordedRamdiskBoot(node: Node): RamdiskBoot | null {
  const v = node.driver_internal_info[RAMDISK_BOOT_KEY];
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return null;
  const { kernel, ramdisk, cmdline } = v;
  if (typeof kernel !== 'string' || typeof ramdisk !== 'string' || typeof cmdline !== 'string') return null;
  return { kernel, ramdisk, cmdline };
}

export async function recordRamdiskBoot(task: TaskContext, boot: RamdiskBoot): Promise<void> {
  await task.save({
    driver_internal_info: { ...task.node.driver_internal_info, [RAMDISK_BOOT_KEY]: { ...boot } },
  });
}

export async function forgetRamdiskBoot(task: TaskContext): Promise<void> {
  if (!(RAMDISK_BOOT_KEY in task.node.driver_internal_info)) return;
  const { [RAMDISK_BOOT_KEY]: _gone, ...rest } = task.node.driver_internal_info;
  await task.save({ driver_internal_info: rest });
}

/** Network boot finds its configuration by a port's MAC: without one the node could never be served. */
export function requireBootPort(task: TaskContext): void {
  if (!task.ports.some((p) => p.pxe_enabled)) {
    throw new MissingParameterValue(`Node ${task.node.uuid} has no port with pxe_enabled: network boot needs the MAC address of the NIC it boots from`);
  }
}
