import { InvalidParameterValue, NotAcceptable } from '../domain/errors.js';
import { canonicalUuid, isUuidLike, normalizeMac, parseBool } from '../domain/validation.js';

/**
 * Field-level checks for request bodies (create documents and patched documents). A spec names each field's kind;
 * `checkFields` rejects unknown fields (Ironic's "Additional properties are not allowed"), fields newer than the
 * request's version (406), and values of the wrong kind, and returns the normalised values.
 */

export type FieldKind =
  | { t: 'uuid'; nullable?: boolean }
  | { t: 'string'; nullable?: boolean; max?: number; pattern?: RegExp; min?: number }
  | { t: 'object'; nullable?: boolean }
  | { t: 'bool'; nullable?: boolean }
  | { t: 'int'; nullable?: boolean; min?: number; max?: number }
  | { t: 'mac'; nullable?: boolean }
  | { t: 'stringList'; pattern?: RegExp }
  | { t: 'any' }
  | { t: 'custom'; check: (value: unknown, field: string) => unknown };

export interface FieldSpec {
  kind: FieldKind;
  since?: number;
}

export type Spec = Readonly<Record<string, FieldSpec>>;

function fail(resource: string, field: string, value: unknown, why: string): never {
  throw new InvalidParameterValue(`Schema error for ${resource}: ${field}: ${JSON.stringify(value) ?? 'undefined'} ${why}`);
}

export function checkValue(resource: string, field: string, kind: FieldKind, value: unknown): unknown {
  if (value === null && 'nullable' in kind && kind.nullable) return null;
  switch (kind.t) {
    case 'any':
      return value;
    case 'custom':
      return kind.check(value, field);
    case 'uuid':
      if (!isUuidLike(value)) throw new InvalidParameterValue(`Expected a UUID but received ${String(value)}.`);
      return canonicalUuid(value as string);
    case 'string':
      if (typeof value !== 'string') fail(resource, field, value, 'is not of type string');
      if (kind.max !== undefined && value.length > kind.max) fail(resource, field, value, `is too long (at most ${kind.max} characters)`);
      if (kind.min !== undefined && value.length < kind.min) fail(resource, field, value, `is too short`);
      if (kind.pattern && !kind.pattern.test(value)) fail(resource, field, value, `does not match ${String(kind.pattern)}`);
      return value;
    case 'object':
      if (value === null || typeof value !== 'object' || Array.isArray(value)) fail(resource, field, value, 'is not of type object');
      return value;
    case 'bool': {
      const b = parseBool(value);
      if (b === undefined) fail(resource, field, value, 'is not of type boolean');
      return b;
    }
    case 'int':
      if (typeof value !== 'number' || !Number.isInteger(value)) fail(resource, field, value, 'is not of type integer');
      if (kind.min !== undefined && value < kind.min) fail(resource, field, value, `is less than the minimum of ${kind.min}`);
      if (kind.max !== undefined && value > kind.max) fail(resource, field, value, `is greater than the maximum of ${kind.max}`);
      return value;
    case 'mac': {
      const mac = normalizeMac(value);
      if (!mac) throw new InvalidParameterValue(`Expected a MAC address but received ${String(value)}.`);
      return mac;
    }
    case 'stringList':
      if (!Array.isArray(value) || value.some((v) => typeof v !== 'string' || (kind.pattern && !kind.pattern.test(v)))) {
        fail(resource, field, value, 'is not a list of valid strings');
      }
      return value;
  }
}

export function checkFields(
  resource: string, body: unknown, spec: Spec, minor: number, required: readonly string[] = [],
): Record<string, unknown> {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new InvalidParameterValue(`Schema error for ${resource}: the request body must be a JSON object.`);
  }
  const input = body as Record<string, unknown>;
  const unknown = Object.keys(input).filter((k) => !(k in spec));
  if (unknown.length > 0) {
    throw new InvalidParameterValue(
      `Schema error for ${resource}: Additional properties are not allowed (${unknown.map((k) => `'${k}'`).join(', ')} ${unknown.length > 1 ? 'were' : 'was'} unexpected)`,
    );
  }
  for (const field of Object.keys(input)) {
    const since = spec[field].since ?? 1;
    if (since > minor) throw new NotAcceptable(`Field ${field} requires API version 1.${since} or later.`);
  }
  for (const field of required) {
    if (input[field] === undefined || input[field] === null) {
      throw new InvalidParameterValue(`Schema error for ${resource}: '${field}' is a required property`);
    }
  }
  const out: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(input)) out[field] = checkValue(resource, field, spec[field].kind, value);
  return out;
}
