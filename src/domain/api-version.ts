/** API microversions: the range served and the parsing rules of Ironic's negotiation. Minor numbers only, major is 1. */

export const MIN_MINOR = 1;
/** The highest microversion whose every feature Ferrite implements. */
export const MAX_MINOR = 82;

export const versionString = (minor: number) => `1.${minor}`;
export const MIN_VERSION = versionString(MIN_MINOR);
export const MAX_VERSION = versionString(MAX_MINOR);

export type VersionParse =
  | { kind: 'ok'; minor: number }
  | { kind: 'malformed'; value: string }
  | { kind: 'unsupported-major'; value: string }
  | { kind: 'out-of-range'; value: string };

/**
 * Parses the requested version (`1.x` or `latest`). No header means the minimum version, as in Ironic; the
 * caller passes `undefined` then.
 */
export function parseRequestedVersion(raw: string | undefined): VersionParse {
  if (raw === undefined) return { kind: 'ok', minor: MIN_MINOR };
  const value = raw.trim();
  if (value.toLowerCase() === 'latest') return { kind: 'ok', minor: MAX_MINOR };
  const m = /^(\d+)\.(\d+)$/.exec(value);
  if (!m) return { kind: 'malformed', value };
  if (Number(m[1]) !== 1) return { kind: 'unsupported-major', value };
  const minor = Number(m[2]);
  if (minor < MIN_MINOR || minor > MAX_MINOR) return { kind: 'out-of-range', value };
  return { kind: 'ok', minor };
}

/** Extracts the baremetal entry of `OpenStack-API-Version: baremetal 1.x[, other 2.y]`. */
export function baremetalFromOpenStackHeader(header: string): string | undefined {
  for (const part of header.split(',')) {
    const [service, version] = part.trim().split(/\s+/);
    if (service?.toLowerCase() === 'baremetal' && version) return version;
  }
  return undefined;
}
