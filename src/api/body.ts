import { InvalidParameterValue } from '../domain/errors.js';

/** The request body as an object, or Ironic's 400. */
export function objectBody(body: unknown): Record<string, unknown> {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new InvalidParameterValue('The request body must be a JSON object.');
  }
  return body as Record<string, unknown>;
}

/** Refuses keys outside `keys`. */
export function onlyKeys(body: Record<string, unknown>, keys: readonly string[]): void {
  const extra = Object.keys(body).filter((k) => !keys.includes(k));
  if (extra.length > 0) throw new InvalidParameterValue(`Unknown field(s): ${extra.join(', ')}.`);
}
