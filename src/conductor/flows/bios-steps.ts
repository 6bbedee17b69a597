import type { JsonObject } from '../../domain/node.js';
import { InvalidParameterValue, UnsupportedDriverExtension } from '../../domain/errors.js';
import type { BiosSettingChange } from '../../drivers/interfaces.js';
import type { NodeTask } from '../node-task.js';

export const BIOS_STEPS = ['apply_configuration', 'factory_reset', 'cache_bios_settings'] as const;

export function isBiosStep(step: JsonObject): boolean {
  return step.interface === 'bios';
}

function settingsArg(step: JsonObject): BiosSettingChange[] {
  const args = step.args;
  const settings = typeof args === 'object' && args !== null && !Array.isArray(args) ? args.settings : undefined;
  if (!Array.isArray(settings)) {
    throw new InvalidParameterValue('Clean step bios.apply_configuration needs an argument "settings": a list of {"name": ..., "value": ...}.');
  }
  return settings.map((s, i) => {
    if (typeof s !== 'object' || s === null || Array.isArray(s) || typeof s.name !== 'string' || !('value' in s)) {
      throw new InvalidParameterValue(`Clean step bios.apply_configuration: settings[${i}] must be an object with "name" and "value".`);
    }
    return { name: s.name, value: s.value };
  });
}

/** Runs one out-of-band BIOS step of a manual cleaning; the node records it as its current clean step meanwhile. */
export async function runBiosStep(task: NodeTask, step: JsonObject): Promise<void> {
  const bios = task.interfaces.bios;
  const name = typeof step.step === 'string' ? step.step : JSON.stringify(step.step);
  if (!(BIOS_STEPS as readonly string[]).includes(name)) {
    throw new InvalidParameterValue(`Clean step bios.${name} does not exist; the bios interface offers ${BIOS_STEPS.join(', ')}.`);
  }
  const offered = name === 'apply_configuration' ? 'applyConfiguration' : name === 'factory_reset' ? 'factoryReset' : 'cacheSettings';
  if (!bios[offered]) {
    throw new UnsupportedDriverExtension(`The ${bios.name} bios interface of node ${task.node.uuid} cannot run bios.${name}.`);
  }
  await bios.validate(task);
  await task.save({ clean_step: step });
  if (name === 'apply_configuration') await bios.applyConfiguration!(task, settingsArg(step));
  else if (name === 'factory_reset') await bios.factoryReset!(task);
  else await bios.cacheSettings!(task);
  await task.recordHistory('cleaning', `Clean step bios.${name} of node ${task.node.uuid} finished.`, 'INFO');
}

/**
 * Caches the node's BIOS settings where its bios interface can read them, as Ironic does after verification and
 * cleaning. A failure here must not fail the action it follows: it is logged and the cache stays as it was.
 */
export async function cacheBiosSettings(task: NodeTask): Promise<void> {
  const bios = task.interfaces.bios;
  if (!bios.cacheSettings) return;
  try {
    await bios.cacheSettings(task);
  } catch (e) {
    task.log.warn({ err: e instanceof Error ? e.message : String(e) }, 'caching BIOS settings failed');
  }
}
