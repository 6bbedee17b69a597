/**
 * Pure checksum rules, as ironic-python-agent applies them: which digest an image_info asks for (os_hash_algo +
 * os_hash_value, or the legacy `checksum` whose algorithm is told by its length, or a URL of a checksum file), how
 * a checksum file is read, and how two digests compare. No I/O here, so every rule is unit-testable.
 */
import { InvalidImageInfoError } from './errors.js';

/** Algorithms Glance's os_hash_algo may name (hashlib names, which node:crypto shares). */
export const HASH_ALGOS = ['md5', 'sha1', 'sha224', 'sha256', 'sha384', 'sha512'] as const;
export type HashAlgo = (typeof HASH_ALGOS)[number];

/** The digest an image must have. */
export interface Checksum {
  algo: HashAlgo;
  value: string;
}

/** A digest to look up in a checksum file (SHA256SUMS style) fetched from `url`; `algo` if os_hash_algo said so. */
export interface ChecksumUrl {
  url: string;
  algo?: HashAlgo;
}

export type ChecksumSpec = Checksum | ChecksumUrl;

const HEX_LENGTH: Record<HashAlgo, number> = { md5: 32, sha1: 40, sha224: 56, sha256: 64, sha384: 96, sha512: 128 };

export function isHashAlgo(algo: string): algo is HashAlgo {
  return (HASH_ALGOS as readonly string[]).includes(algo);
}

export function isChecksumUrl(spec: ChecksumSpec): spec is ChecksumUrl {
  return 'url' in spec;
}

/** IPA's `_get_algorithm_by_length`: a legacy checksum of 32, 64 or 128 hex digits is md5, sha256 or sha512. */
export function algoByLength(value: string): HashAlgo {
  switch (value.length) {
    case 32: return 'md5';
    case 64: return 'sha256';
    case 128: return 'sha512';
    default:
      throw new InvalidImageInfoError(`Unable to determine the checksum algorithm of a ${value.length}-character checksum`);
  }
}

/** A digest as given (any case, surrounding spaces) checked and normalised to lower-case hex. */
export function normaliseChecksum(algo: HashAlgo, value: string): Checksum {
  const v = value.trim().toLowerCase();
  if (!/^[0-9a-f]+$/.test(v) || v.length !== HEX_LENGTH[algo]) {
    throw new InvalidImageInfoError(`Malformed ${algo} checksum "${value.slice(0, 140)}"`);
  }
  return { algo, value: v };
}

function parseAlgo(algo: string): HashAlgo {
  const a = algo.trim().toLowerCase();
  if (!isHashAlgo(a)) throw new InvalidImageInfoError(`Unsupported checksum algorithm "${algo}"`);
  return a;
}

/** The checksum fields of IPA's image_info. */
export interface ImageInfoChecksumFields {
  checksum?: string | null;
  os_hash_algo?: string | null;
  os_hash_value?: string | null;
}

/**
 * What to verify, by IPA's precedence: os_hash_algo + os_hash_value when both are set; else `checksum`, which is a
 * URL of a checksum file (http/https), or a digest whose algorithm is os_hash_algo if given, else its length.
 * md5 is refused unless `md5Allowed` (Ironic's `agent_md5_checksum_enable` lookup setting).
 */
export function checksumFromImageInfo(info: ImageInfoChecksumFields, md5Allowed = true): ChecksumSpec {
  let spec: ChecksumSpec;
  if (info.os_hash_algo && info.os_hash_value) {
    spec = normaliseChecksum(parseAlgo(info.os_hash_algo), info.os_hash_value);
  } else if (info.checksum) {
    const c = info.checksum.trim();
    if (/^https?:\/\//i.test(c)) {
      spec = info.os_hash_algo ? { url: c, algo: parseAlgo(info.os_hash_algo) } : { url: c };
    } else {
      spec = normaliseChecksum(info.os_hash_algo ? parseAlgo(info.os_hash_algo) : algoByLength(c), c);
    }
  } else {
    throw new InvalidImageInfoError('Image info has no checksum: neither os_hash_algo/os_hash_value nor checksum is set');
  }
  if (!md5Allowed && 'algo' in spec && spec.algo === 'md5') {
    throw new InvalidImageInfoError('MD5 image checksums are disabled (agent_md5_checksum_enable is false)');
  }
  return spec;
}

/** The file name a checksum file lists an image under: the last path element of its (first) URL, decoded. */
export function imageFileName(url: string): string {
  const path = new URL(url).pathname;
  return decodeURIComponent(path.slice(path.lastIndexOf('/') + 1));
}

/**
 * Finds the digest for `fileName` in a checksum file: GNU style (`<hex>  name` or `<hex> *name`, the name possibly
 * with a directory), BSD style (`SHA256 (name) = <hex>`), or a file holding one bare digest (IPA accepts that too).
 * The algorithm is `algo` when given, else told by the digest's length. Returns undefined when the name is absent.
 */
export function findInChecksumFile(text: string, fileName: string, algo?: HashAlgo): Checksum | undefined {
  const lines = text.split(/\r?\n/).map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
  const digest = (hex: string) => normaliseChecksum(algo ?? algoByLength(hex), hex);
  if (lines.length === 1 && /^[0-9a-fA-F]+$/.test(lines[0])) return digest(lines[0]);
  const sameName = (name: string) => name === fileName || name.endsWith(`/${fileName}`) || name === `./${fileName}`;
  for (const line of lines) {
    const bsd = /^[A-Za-z0-9-]+ \((.+)\) = ([0-9a-fA-F]+)$/.exec(line);
    if (bsd && sameName(bsd[1])) return digest(bsd[2]);
    const gnu = /^([0-9a-fA-F]+)\s+\*?(.+)$/.exec(line);
    if (gnu && sameName(gnu[2].trim())) return digest(gnu[1]);
  }
  return undefined;
}

/** Whether a computed digest (hex, any case) is the expected one. */
export function checksumMatches(expected: Checksum, actualHex: string): boolean {
  return expected.value === actualHex.toLowerCase();
}
