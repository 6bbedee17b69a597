/**
 * Agent extensions and their commands, as in IPA's extensions/base.py: a command is addressed as
 * `<extension>.<command>`, is either sync (its result is known when the POST returns) or async (it runs in the
 * background and the conductor polls), and may validate its params before running (a validation failure is a 400
 * answered directly, not a failed command).
 */
import type { AgentLog } from '../agent-log.js';

/** State shared by the commands of one agent (IPA keeps it on the standby extension). */
export interface AgentState {
  /** null until prepare_image ran; {} for a whole-disk image (IPA's convention). */
  partitionUuids: Record<string, unknown> | null;
}

export interface CommandContext {
  /** The target disk: a block device or a disk file. */
  disk: string;
  /** The executable that powers the server off (`<cmd> off`) or reboots it (`<cmd> reboot`); none: the agent cannot. */
  powerCommand?: string;
  log: AgentLog;
  /** Aborted when the agent stops or the running command is aborted. */
  signal: AbortSignal;
  state: AgentState;
  /** Runs another extension's command inline (a deploy step wrapping standby.prepare_image). */
  call(name: string, params: Record<string, unknown>): Promise<unknown>;
}

export interface Command {
  mode: 'sync' | 'async';
  validate?(params: Record<string, unknown>, ctx: CommandContext): void;
  run(params: Record<string, unknown>, ctx: CommandContext): Promise<unknown>;
}

export type Extension = Record<string, Command>;
export type Extensions = Record<string, Extension>;

export const GENERIC_MANAGER = 'GenericHardwareManager';
/** IPA's GenericHardwareManager version ('1.2'), which Ironic echoes back as clean_version / deploy_version. */
export const HARDWARE_MANAGER_VERSION = { generic_hardware_manager: '1.2' };

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

// Keys Ironic masks (oslo's mask_dict_password patterns, plus the configdrive, which holds instance secrets).
const SECRET_KEY = /password|passwd|secret|token|authorization|credential|private_key|^configdrive$/i;

/** A copy with secret values replaced by "******", for anything echoed back or logged (a step's args). */
export function maskSecrets(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(maskSecrets);
  if (!isRecord(v)) return v;
  return Object.fromEntries(Object.entries(v).map(([k, x]) =>
    [k, SECRET_KEY.test(k) && x !== null && x !== undefined ? '******' : maskSecrets(x)]));
}
