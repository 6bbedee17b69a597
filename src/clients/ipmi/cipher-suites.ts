import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';

/**
 * RMCP+ cipher suites (IPMI 2.0 §22.15.2, table 22-20) and the algorithms behind them: the RAKP authentication
 * algorithm (which hash signs the key exchange and derives the session keys), the integrity algorithm (the
 * truncated HMAC in each packet's trailer) and the confidentiality algorithm (AES-CBC-128 of the payload).
 */

export type HashName = 'sha1' | 'sha256';

export interface CipherSuite {
  id: number;
  /** Authentication algorithm number in Open Session (0 none, 1 RAKP-HMAC-SHA1, 3 RAKP-HMAC-SHA256). */
  authAlgorithm: number;
  /** Integrity algorithm number (0 none, 1 HMAC-SHA1-96, 4 HMAC-SHA256-128). */
  integrityAlgorithm: number;
  /** Confidentiality algorithm number (0 none, 1 AES-CBC-128). */
  confidentialityAlgorithm: number;
  hash: HashName;
  /** Bytes of the RAKP 4 integrity check value: the authentication algorithm's truncation (§13.28.4). */
  rakp4IcvLength: number;
  /** Bytes of AuthCode in each packet's trailer; 0 when the suite has no integrity. */
  integrityLength: number;
  description: string;
}

// Only the SHA-based suites: MD5 suites (6-14) exist for old BMCs and Ironic does not ask for them.
const SUITES: CipherSuite[] = [
  { id: 1, authAlgorithm: 1, integrityAlgorithm: 0, confidentialityAlgorithm: 0, hash: 'sha1', rakp4IcvLength: 12, integrityLength: 0, description: 'RAKP-HMAC-SHA1, no integrity, no confidentiality' },
  { id: 2, authAlgorithm: 1, integrityAlgorithm: 1, confidentialityAlgorithm: 0, hash: 'sha1', rakp4IcvLength: 12, integrityLength: 12, description: 'RAKP-HMAC-SHA1, HMAC-SHA1-96, no confidentiality' },
  { id: 3, authAlgorithm: 1, integrityAlgorithm: 1, confidentialityAlgorithm: 1, hash: 'sha1', rakp4IcvLength: 12, integrityLength: 12, description: 'RAKP-HMAC-SHA1, HMAC-SHA1-96, AES-CBC-128' },
  { id: 15, authAlgorithm: 3, integrityAlgorithm: 0, confidentialityAlgorithm: 0, hash: 'sha256', rakp4IcvLength: 16, integrityLength: 0, description: 'RAKP-HMAC-SHA256, no integrity, no confidentiality' },
  { id: 16, authAlgorithm: 3, integrityAlgorithm: 4, confidentialityAlgorithm: 0, hash: 'sha256', rakp4IcvLength: 16, integrityLength: 16, description: 'RAKP-HMAC-SHA256, HMAC-SHA256-128, no confidentiality' },
  { id: 17, authAlgorithm: 3, integrityAlgorithm: 4, confidentialityAlgorithm: 1, hash: 'sha256', rakp4IcvLength: 16, integrityLength: 16, description: 'RAKP-HMAC-SHA256, HMAC-SHA256-128, AES-CBC-128' },
];

export const SUPPORTED_CIPHER_SUITES = SUITES.map((s) => s.id);

export function cipherSuite(id: number): CipherSuite | undefined {
  return SUITES.find((s) => s.id === id);
}

export function hmac(hash: HashName, key: Buffer, ...parts: Buffer[]): Buffer {
  const h = createHmac(hash, key);
  for (const p of parts) h.update(p);
  return h.digest();
}

/** The keys of an established session (§13.31, §13.32). */
export interface SessionKeys {
  sik: Buffer;
  /** Integrity key. */
  k1: Buffer;
  /** AES key: the first 16 bytes of K2. */
  aesKey: Buffer;
}

/**
 * K1 and K2 are the HMAC under SIK of Const1 / Const2 (§13.32): 20 bytes of 01h / 02h — also for the SHA-256
 * suites, whose hash output is longer. ipmitool keys suite 17 this way (checked against it in the tests); a
 * 32-byte constant, the "natural" reading, does not interoperate.
 */
export function deriveKeys(suite: CipherSuite, sik: Buffer): SessionKeys {
  const k1 = hmac(suite.hash, sik, Buffer.alloc(20, 0x01));
  const k2 = hmac(suite.hash, sik, Buffer.alloc(20, 0x02));
  return { sik, k1, aesKey: k2.subarray(0, 16) };
}

/** The truncated HMAC that ends an authenticated packet. */
export function integrityCode(suite: CipherSuite, k1: Buffer, data: Buffer): Buffer {
  return hmac(suite.hash, k1, data).subarray(0, suite.integrityLength);
}

/**
 * AES-CBC-128 payload (§13.29): a random 16-byte IV, then the data followed by pad bytes 01h, 02h, … and the pad
 * length, all encrypted without any other padding scheme.
 */
export function encryptPayload(aesKey: Buffer, data: Buffer): Buffer {
  const padLength = (16 - ((data.length + 1) % 16)) % 16;
  const pad = Buffer.alloc(padLength + 1);
  for (let i = 0; i < padLength; i++) pad[i] = i + 1;
  pad[padLength] = padLength;
  const iv = randomBytes(16);
  const cipher = createCipheriv('aes-128-cbc', aesKey, iv).setAutoPadding(false);
  return Buffer.concat([iv, cipher.update(Buffer.concat([data, pad])), cipher.final()]);
}

/** The inverse of encryptPayload; null when the payload cannot be an AES-CBC-128 payload. */
export function decryptPayload(aesKey: Buffer, payload: Buffer): Buffer | null {
  if (payload.length < 32 || payload.length % 16 !== 0) return null;
  const decipher = createDecipheriv('aes-128-cbc', aesKey, payload.subarray(0, 16)).setAutoPadding(false);
  const plain = Buffer.concat([decipher.update(payload.subarray(16)), decipher.final()]);
  const padLength = plain[plain.length - 1];
  if (padLength + 1 > plain.length) return null;
  return plain.subarray(0, plain.length - padLength - 1);
}
