/** Pure value checks shared by the API and the conductor. */
import { invalidUuidOrName } from './errors.js';
import { STANDARD_TRAITS } from './standard-traits.js';

const UUID_RE = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;

export function isUuidLike(value: unknown): boolean {
  return typeof value === 'string' && UUID_RE.test(value);
}

/** Canonical lowercase, dashed form of a UUID-like string. */
export function canonicalUuid(value: string): string {
  const hex = value.replace(/-/g, '').toLowerCase();
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

const HOSTNAME_LABEL_RE = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
const UNRESERVED_RE = /^[A-Za-z0-9\-._~]+$/;

/**
 * Node names: host names before 1.10, any RFC 3986 unreserved characters since; never a UUID (names and UUIDs
 * share one lookup path).
 */
export function isValidNodeName(name: string, minor: number): boolean {
  if (name.length === 0 || name.length > 255 || isUuidLike(name)) return false;
  if (minor >= 10) return UNRESERVED_RE.test(name);
  const host = name.endsWith('.') ? name.slice(0, -1) : name;
  return host.length > 0 && host.split('.').every((label) => HOSTNAME_LABEL_RE.test(label));
}

/** Generic logical names (portgroups, allocations, deploy templates' use differs): RFC 3986 unreserved. */
export function isValidLogicalName(name: string): boolean {
  return name.length > 0 && name.length <= 255 && UNRESERVED_RE.test(name) && !isUuidLike(name);
}

/** How an ident names a resource: by UUID or by logical name; anything else is a 400 (Ironic's InvalidUuidOrName). */
export function identKind(ident: string): 'uuid' | 'name' {
  if (isUuidLike(ident)) return 'uuid';
  if (isValidLogicalName(ident)) return 'name';
  throw invalidUuidOrName(ident);
}

const CUSTOM_TRAIT_RE = /^CUSTOM_[A-Z0-9_]+$/;

function isValidCustomTrait(trait: unknown): boolean {
  return typeof trait === 'string' && trait.length <= 255 && CUSTOM_TRAIT_RE.test(trait);
}

/** Traits are os-traits standard names or CUSTOM_ ones (upper-case, at most 255 characters). */
export function isValidTrait(trait: unknown): boolean {
  return isValidCustomTrait(trait) || (typeof trait === 'string' && STANDARD_TRAITS.has(trait));
}

const MAC_RE = /^([0-9a-f]{2}[:-]){5}[0-9a-f]{2}$/i;

/** Returns the MAC in lowercase colon form, or null when it is not one. */
export function normalizeMac(value: unknown): string | null {
  if (typeof value !== 'string' || !MAC_RE.test(value)) return null;
  return value.toLowerCase().replace(/-/g, ':');
}

/** Ironic accepts booleans as strings in several places ("true", "False", "1", "yes"). */
export function parseBool(value: unknown): boolean | undefined {
  if (typeof value === 'boolean') return value;
  if (typeof value !== 'string') return undefined;
  const v = value.trim().toLowerCase();
  if (['true', '1', 'yes', 'on', 'y', 't'].includes(v)) return true;
  if (['false', '0', 'no', 'off', 'n', 'f'].includes(v)) return false;
  return undefined;
}

/**
 * An absolute http:// or https:// URL with a host, written without whitespace or control characters: URL parsing
 * drops some of those silently, and a URL that goes into a boot script or a command must be exactly one word.
 */
export function isHttpUrl(value: string): boolean {
  for (const c of value) {
    const code = c.charCodeAt(0);
    if (code <= 0x20 || code === 0x7f) return false;
  }
  try {
    const u = new URL(value);
    return (u.protocol === 'http:' || u.protocol === 'https:') && u.hostname !== '';
  } catch {
    return false;
  }
}
