/**
 * Powering the server off or rebooting it from the agent (IPA's standby._run_shutdown_command): flush the target
 * disk, then run the power command. IPA runs the host's `poweroff`/`reboot`; this agent runs only the executable it
 * was started with (`--power-command`), as `<cmd> off` or `<cmd> reboot`, so a lab agent or a test can never take
 * down the machine it shares.
 */
import { execFile, type ExecFileException } from 'node:child_process';
import { open } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { commandExecutionError, systemRebootError } from './errors.js';
import type { CommandContext } from './registry.js';

export type PowerAction = 'off' | 'reboot';

/**
 * The pause between the command being accepted and the power going: the conductor's request gets its answer
 * while the agent still runs (IPA gets the same from running the command in a thread).
 */
export const POWER_DELAY_MS = 500;
/** A power command that neither ends nor takes the server down is a failure, not a busy agent forever. */
const POWER_COMMAND_TIMEOUT_MS = 60_000;

export async function syncDisk(disk: string): Promise<void> {
  const fh = await open(disk, 'r+');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** A refusal on the POST (a FAILED result at once) when the agent has no way to act on the power. */
export function requirePowerCommand(_params: Record<string, unknown>, ctx: CommandContext): void {
  if (!ctx.powerCommand) {
    throw commandExecutionError('the agent was started without --power-command, so it cannot power the server off or reboot it');
  }
}

export async function runPowerAction(action: PowerAction, ctx: CommandContext): Promise<null> {
  const cmd = ctx.powerCommand;
  if (!cmd) throw commandExecutionError('the agent was started without --power-command');
  try {
    await syncDisk(ctx.disk);
  } catch (e) {
    // As IPA: a failed flush is reported, and the power action still happens (the conductor asked for it).
    ctx.log.warn({ disk: ctx.disk, error: (e as Error).message }, 'could not flush the disk before the power action');
  }
  await sleep(POWER_DELAY_MS, undefined, { signal: ctx.signal });
  ctx.log.info({ command: cmd, action }, 'running the power command');
  const { err, stdout, stderr } = await new Promise<{ err: ExecFileException | null; stdout: string; stderr: string }>((resolve) => {
    execFile(cmd, [action], { timeout: POWER_COMMAND_TIMEOUT_MS }, (e, out, errOut) =>
      resolve({ err: e, stdout: String(out).trim(), stderr: String(errOut).trim() }));
  });
  if (err) {
    const how = typeof err.code === 'number' ? `exit code ${err.code}`
      : err.killed ? `no end within ${POWER_COMMAND_TIMEOUT_MS / 1000} s` : err.message;
    throw systemRebootError(`${cmd} ${action} failed (${how}). stdout: ${stdout}. stderr: ${stderr}.`);
  }
  ctx.log.info({ command: cmd, action }, 'power command done');
  return null;
}
