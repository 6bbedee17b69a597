import { setTimeout as sleep } from 'node:timers/promises';
import { DriverError } from '../../domain/errors.js';
import type { PowerState } from '../interfaces.js';

/**
 * Polls a BMC until it reports `wanted`. BMCs accept a power command at once and get there later, so every power
 * action ends with this. Polling starts after 25 ms (quick BMCs and the lab switch within tens of milliseconds)
 * and doubles up to `maxIntervalMs`, so a slow BMC costs only a few more reads.
 */
export async function waitForPowerState(
  read: () => Promise<PowerState | null>, wanted: PowerState, timeoutMs: number, maxIntervalMs: number, nodeUuid: string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let interval = Math.min(25, maxIntervalMs);
  for (;;) {
    const state = await read();
    if (state === wanted) return;
    if (Date.now() + interval > deadline) {
      throw new DriverError(
        `Timed out after ${Math.round(timeoutMs / 1000)} s waiting for node ${nodeUuid} to reach power state '${wanted}'; the BMC reports '${state ?? 'unknown'}'`,
      );
    }
    await sleep(interval);
    interval = Math.min(interval * 2, maxIntervalMs);
  }
}
