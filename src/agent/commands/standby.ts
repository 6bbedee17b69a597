/**
 * IPA's standby extension: prepare_image writes a whole-disk image onto the target disk with the image pipeline;
 * sync flushes it; get_partition_uuids reports what prepare_image found ({} for whole-disk images, as IPA);
 * power_off and run_image (IPA's reboot) flush the disk and run the agent's power command, async as in IPA, with
 * a null result. `reboot` is Ferrite's plainer name for run_image.
 */
import { writeOptionsFromImageInfo, type ImageInfo } from '../image/image-info.js';
import { writeImage } from '../image/write-image.js';
import { commandExecutionError, invalidCommandParamsError } from './errors.js';
import { requirePowerCommand, runPowerAction, syncDisk } from './power.js';
import { isRecord, type CommandContext, type Extension } from './registry.js';

function imageInfoOf(params: Record<string, unknown>): ImageInfo {
  const info = params.image_info;
  if (!isRecord(info)) throw invalidCommandParamsError('image_info is missing or not an object');
  if (typeof info.id !== 'string' || !info.id) throw invalidCommandParamsError('image_info has no id');
  return info;
}

/** IPA's `_validate_image_info`: refused image_info is a 400 on the POST, before anything runs. */
function validate(params: Record<string, unknown>, ctx: CommandContext): void {
  try {
    writeOptionsFromImageInfo(imageInfoOf(params), ctx.disk);
  } catch (e) {
    throw invalidCommandParamsError((e as Error).message);
  }
}

async function prepareImage(params: Record<string, unknown>, ctx: CommandContext): Promise<string> {
  const info = imageInfoOf(params);
  // Configdrives (a partition on the disk) are not written yet: fail rather than deploy a node without one.
  if (params.configdrive ?? info.configdrive) throw commandExecutionError('Config drives are not supported yet');
  ctx.log.info({ image: info.id, disk: ctx.disk }, 'prepare_image');
  await writeImage({ ...writeOptionsFromImageInfo(info, ctx.disk), signal: ctx.signal, log: ctx.log });
  ctx.state.partitionUuids = {};
  // IPA's _message_format for a whole-disk image (root_uuid is Python's None).
  return `image (${info.id}) written to device ${ctx.disk} root_uuid=None`;
}

export const standby: Extension = {
  prepare_image: { mode: 'async', validate, run: prepareImage },
  sync: { mode: 'sync', run: async (_p, ctx) => { await syncDisk(ctx.disk); return null; } },
  power_off: { mode: 'async', validate: requirePowerCommand, run: (_p, ctx) => runPowerAction('off', ctx) },
  run_image: { mode: 'async', validate: requirePowerCommand, run: (_p, ctx) => runPowerAction('reboot', ctx) },
  reboot: { mode: 'async', validate: requirePowerCommand, run: (_p, ctx) => runPowerAction('reboot', ctx) },
  get_partition_uuids: {
    mode: 'sync',
    run: async (_p, ctx) => {
      if (ctx.state.partitionUuids === null) ctx.log.warn({}, 'get_partition_uuids called before prepare_image');
      return ctx.state.partitionUuids ?? {};
    },
  },
};
