/**
 * IPA's clean and deploy extensions: get_*_steps report GenericHardwareManager's steps (the ones this agent can
 * run) with IPA's priorities; execute_*_step runs one and answers `{clean_result, clean_step}` /
 * `{deploy_result, deploy_step}`. Errors that are not already IPA errors become CleaningError / DeploymentError.
 */
import { eraseAll, eraseMetadata } from './erase.js';
import { cleaningError, deploymentError, invalidCommandParamsError, RestError } from './errors.js';
import {
  GENERIC_MANAGER, HARDWARE_MANAGER_VERSION, isRecord, maskSecrets, type CommandContext, type Extension,
} from './registry.js';

const step = (name: string, priority: number, abortable?: boolean) => ({
  step: name, priority, interface: 'deploy', reboot_requested: false, ...(abortable === undefined ? {} : { abortable }),
});

const CLEAN_STEPS = [step('erase_devices', 10, true), step('erase_devices_metadata', 99, true)];
// write_image's priority is 0 in IPA: Ironic proxies it through its own out-of-band write_image step.
const DEPLOY_STEPS = [step('erase_devices_metadata', 0), step('write_image', 0)];

type StepFn = (args: Record<string, unknown>, ctx: CommandContext) => Promise<unknown>;

const STEP_FNS: Record<string, StepFn> = {
  erase_devices_metadata: async (_a, ctx) => {
    const r = await eraseMetadata(ctx.disk);
    ctx.log.info({ disk: ctx.disk, ...r }, 'erase_devices_metadata done');
    return null;
  },
  erase_devices: async (_a, ctx) => {
    const r = await eraseAll(ctx.disk, ctx.signal);
    ctx.log.info({ disk: ctx.disk, ...r }, 'erase_devices done');
    // IPA returns {device name: erase method}; the disk path stands for the device here.
    return { [ctx.disk]: 'zeroed' };
  },
  write_image: async (args, ctx) =>
    ctx.call('standby.prepare_image', { image_info: args.image_info, configdrive: args.configdrive }),
};

function executor(kind: 'clean' | 'deploy', allowed: readonly { step: string }[]) {
  const wrap = kind === 'clean' ? cleaningError : deploymentError;
  return async (params: Record<string, unknown>, ctx: CommandContext) => {
    const s = params.step;
    if (!isRecord(s) || typeof s.step !== 'string') throw wrap(`Malformed ${kind}_step, no "step" key: ${JSON.stringify(maskSecrets(s))}`);
    const fn = STEP_FNS[s.step];
    if (!fn || !allowed.some((a) => a.step === s.step)) {
      throw wrap(`No HardwareManager found to handle method: ${s.step}`);
    }
    const args = { ...(isRecord(s.args) ? s.args : {}) };
    let result: unknown;
    try {
      result = await fn(args, ctx);
    } catch (e) {
      if (e instanceof RestError) throw e;
      const err = e as Error;
      // An image error keeps its own type (as IPA's RESTErrors pass through); others are wrapped like IPA does.
      if (err.name.startsWith('Image') || err.name === 'InvalidImage') throw e;
      throw wrap(`Unexpected exception performing ${kind} step ${s.step}. ${err.name}: ${err.message}`);
    }
    // IPA echoes the step as given; its args can carry image credentials and a configdrive, so they are masked.
    return { [`${kind}_result`]: result, [`${kind}_step`]: maskSecrets(s) };
  };
}

function validateStep(params: Record<string, unknown>): void {
  if (!isRecord(params.step)) throw invalidCommandParamsError('step is missing or not an object');
}

export const clean: Extension = {
  get_clean_steps: {
    mode: 'sync',
    run: async () => ({ clean_steps: { [GENERIC_MANAGER]: CLEAN_STEPS }, hardware_manager_version: HARDWARE_MANAGER_VERSION }),
  },
  execute_clean_step: { mode: 'async', validate: validateStep, run: executor('clean', CLEAN_STEPS) },
};

export const deploy: Extension = {
  get_deploy_steps: {
    mode: 'sync',
    run: async () => ({ deploy_steps: { [GENERIC_MANAGER]: DEPLOY_STEPS }, hardware_manager_version: HARDWARE_MANAGER_VERSION }),
  },
  execute_deploy_step: { mode: 'async', validate: validateStep, run: executor('deploy', DEPLOY_STEPS) },
};
