import { setTimeout as sleep } from 'node:timers/promises';

/** `[fake] <x>_delay` values: seconds, either a number or a `min:max` range to draw from. */
export type DelaySpec = { min: number; max: number };

export function parseDelay(value: string | number | undefined): DelaySpec {
  if (value === undefined || value === '') return { min: 0, max: 0 };
  const text = String(value).trim();
  const m = /^(\d+(?:\.\d+)?)(?::(\d+(?:\.\d+)?))?$/.exec(text);
  if (!m) throw new Error(`invalid fake delay "${text}": expected seconds or min:max`);
  const min = Number(m[1]);
  const max = m[2] !== undefined ? Number(m[2]) : min;
  if (max < min) throw new Error(`invalid fake delay "${text}": max below min`);
  return { min, max };
}

export async function fakeDelay(spec: DelaySpec): Promise<void> {
  const seconds = spec.min + Math.random() * (spec.max - spec.min);
  if (seconds > 0) await sleep(seconds * 1000);
}
