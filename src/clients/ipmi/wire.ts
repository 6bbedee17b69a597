import { timingSafeEqual } from 'node:crypto';
import { decryptPayload, encryptPayload, integrityCode, type CipherSuite, type SessionKeys } from './cipher-suites.js';

/**
 * Bytes on the wire (IPMI 2.0 §13): the RMCP header, the IPMI 1.5 session header used before a session exists,
 * the IPMI 2.0 / RMCP+ session header and trailer, and the IPMI LAN message with its two checksums. Pure
 * functions, so the session and client layers only deal with fields.
 */

/** RMCP version 1.0, reserved, sequence FFh (no RMCP ACK wanted), class 07h (IPMI). */
const RMCP_HEADER = Buffer.from([0x06, 0x00, 0xff, 0x07]);
const AUTH_TYPE_RMCP_PLUS = 0x06;
const BMC_ADDRESS = 0x20;
/** Software ID 40h of a remote console, as a requester address (bit 0 = 1 for software IDs). */
const CONSOLE_ADDRESS = 0x81;

export const PayloadType = {
  ipmi: 0x00,
  openSessionRequest: 0x10,
  openSessionResponse: 0x11,
  rakp1: 0x12,
  rakp2: 0x13,
  rakp3: 0x14,
  rakp4: 0x15,
} as const;

function checksum(bytes: Buffer, start: number, end: number): number {
  let sum = 0;
  for (let i = start; i < end; i++) sum = (sum + bytes[i]) & 0xff;
  return (0x100 - sum) & 0xff;
}

/** An IPMI request message for the BMC (LUN 0): rsAddr, netFn/LUN, checksum, rqAddr, rqSeq/LUN, cmd, data, checksum. */
export function encodeRequest(netFn: number, cmd: number, rqSeq: number, data: Buffer): Buffer {
  const msg = Buffer.alloc(7 + data.length);
  msg[0] = BMC_ADDRESS;
  msg[1] = netFn << 2;
  msg[2] = checksum(msg, 0, 2);
  msg[3] = CONSOLE_ADDRESS;
  msg[4] = (rqSeq & 0x3f) << 2;
  msg[5] = cmd;
  data.copy(msg, 6);
  msg[msg.length - 1] = checksum(msg, 3, msg.length - 1);
  return msg;
}

export interface IpmiResponse {
  /** The response netFn (request netFn + 1). */
  netFn: number;
  rqSeq: number;
  cmd: number;
  completionCode: number;
  data: Buffer;
}

/** Parses a response message; null when it is too short or a checksum does not add up. */
export function decodeResponse(msg: Buffer): IpmiResponse | null {
  if (msg.length < 8) return null;
  if (checksum(msg, 0, 2) !== msg[2] || checksum(msg, 3, msg.length - 1) !== msg[msg.length - 1]) return null;
  return {
    netFn: msg[1] >> 2,
    rqSeq: msg[4] >> 2,
    cmd: msg[5],
    completionCode: msg[6],
    data: msg.subarray(7, msg.length - 1),
  };
}

/**
 * An IPMI 1.5 packet with authentication type "none", session 0 — the form Get Channel Authentication
 * Capabilities takes before any session, which every BMC answers (§13.6, §22.13).
 */
export function encodePresessionPacket(message: Buffer): Buffer {
  const header = Buffer.alloc(10);
  header[0] = 0x00; // authentication type none; sequence and session ID stay 0
  header[9] = message.length;
  return Buffer.concat([RMCP_HEADER, header, message]);
}

export interface V20Packet {
  payloadType: number;
  /** The receiver's session ID (the BMC's for requests, ours for responses); 0 before a session. */
  sessionId: number;
  sequence: number;
  payload: Buffer;
}

/** The session's security for one packet: present once RAKP 4 was verified, absent before. */
export interface PacketSecurity {
  suite: CipherSuite;
  keys: SessionKeys;
}

/**
 * An IPMI 2.0 packet (§13.6, table 13-8). With security, the payload is encrypted when the suite has
 * confidentiality and the packet gets an integrity trailer when it has integrity: pad to a multiple of 4 bytes
 * from the authentication type to the next-header byte, pad length, next header 07h, then AuthCode under K1.
 */
export function encodeV20Packet(packet: V20Packet, security?: PacketSecurity): Buffer {
  const encrypt = security !== undefined && security.suite.confidentialityAlgorithm !== 0;
  const authenticate = security !== undefined && security.suite.integrityAlgorithm !== 0;
  const payload = encrypt ? encryptPayload(security.keys.aesKey, packet.payload) : packet.payload;
  const header = Buffer.alloc(12);
  header[0] = AUTH_TYPE_RMCP_PLUS;
  header[1] = (encrypt ? 0x80 : 0) | (authenticate ? 0x40 : 0) | (packet.payloadType & 0x3f);
  header.writeUInt32LE(packet.sessionId >>> 0, 2);
  header.writeUInt32LE(packet.sequence >>> 0, 6);
  header.writeUInt16LE(payload.length, 10);
  if (!authenticate) return Buffer.concat([RMCP_HEADER, header, payload]);
  const padLength = (4 - ((header.length + payload.length + 2) % 4)) % 4;
  const trailer = Buffer.alloc(padLength + 2, 0xff);
  trailer[padLength] = padLength;
  trailer[padLength + 1] = 0x07;
  const covered = Buffer.concat([header, payload, trailer]);
  return Buffer.concat([RMCP_HEADER, covered, integrityCode(security.suite, security.keys.k1, covered)]);
}

export interface ReceivedPacket {
  /** 1.5 for the pre-session form, 2.0 for RMCP+. */
  version: 1.5 | 2.0;
  payloadType: number;
  sessionId: number;
  sequence: number;
  authenticated: boolean;
  payload: Buffer;
}

/**
 * Parses a datagram. Returns null for anything that is not an IPMI packet, fails its integrity check or cannot be
 * decrypted — such packets are dropped, as the spec asks, rather than turned into errors: on a shared socket they
 * may be stale or forged. An established session (`security`) accepts only authenticated IPMI payloads.
 */
export function decodePacket(datagram: Buffer, security?: PacketSecurity): ReceivedPacket | null {
  if (datagram.length < 14 || !datagram.subarray(0, 4).equals(RMCP_HEADER)) return null;
  const authType = datagram[4] & 0x0f;
  if (authType !== AUTH_TYPE_RMCP_PLUS) {
    // IPMI 1.5: auth type, sequence(4), session ID(4), [16-byte AuthCode unless type none], length(1), message
    const codeLength = authType === 0 ? 0 : 16;
    const lengthAt = 13 + codeLength;
    if (datagram.length < lengthAt + 1) return null;
    const length = datagram[lengthAt];
    const payload = datagram.subarray(lengthAt + 1, lengthAt + 1 + length);
    if (payload.length !== length) return null;
    return {
      version: 1.5, payloadType: PayloadType.ipmi, sessionId: datagram.readUInt32LE(9),
      sequence: datagram.readUInt32LE(5), authenticated: false, payload,
    };
  }
  if (datagram.length < 16) return null;
  const typeByte = datagram[5];
  const encrypted = (typeByte & 0x80) !== 0;
  const authenticated = (typeByte & 0x40) !== 0;
  const payloadType = typeByte & 0x3f;
  const sessionId = datagram.readUInt32LE(6);
  const sequence = datagram.readUInt32LE(10);
  const length = datagram.readUInt16LE(14);
  if (datagram.length < 16 + length) return null;
  let payload = datagram.subarray(16, 16 + length);
  if (security && payloadType === PayloadType.ipmi) {
    const { suite, keys } = security;
    if (suite.integrityAlgorithm !== 0) {
      if (!authenticated || datagram.length < 16 + length + 2 + suite.integrityLength) return null;
      const covered = datagram.subarray(4, datagram.length - suite.integrityLength);
      const code = datagram.subarray(datagram.length - suite.integrityLength);
      if (!timingSafeEqual(integrityCode(suite, keys.k1, covered), code)) return null;
    }
    if (suite.confidentialityAlgorithm !== 0) {
      if (!encrypted) return null;
      const plain = decryptPayload(keys.aesKey, payload);
      if (plain === null) return null;
      payload = plain;
    }
  } else if (encrypted) {
    return null;
  }
  return { version: 2.0, payloadType, sessionId, sequence, authenticated, payload };
}
