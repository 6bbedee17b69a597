import { randomBytes } from 'node:crypto';
import { deriveKeys, hmac, type CipherSuite } from './cipher-suites.js';
import {
  AUTH_STATUSES, CIPHER_SUITE_STATUSES, completionCodeMeaning, hex, rmcpStatusMeaning,
} from './completion-codes.js';
import { IpmiAuthError, IpmiCipherSuiteError, IpmiCompletionCodeError, IpmiProtocolError, IpmiSessionError } from './errors.js';
import {
  decodePacket, decodeResponse, encodePresessionPacket, encodeRequest, encodeV20Packet, PayloadType, type PacketSecurity,
} from './wire.js';

/**
 * Establishing an RMCP+ session (IPMI 2.0 §13.14–13.31): Get Channel Authentication Capabilities, Open Session,
 * RAKP 1–4 with the SIK/K1/K2 derivation, then Set Session Privilege Level. The steps talk through `talk`, which
 * the connection gives them so the per-BMC queue, pacing, timeouts and retransmission apply to every packet.
 */

export const PRIVILEGE_LEVELS = { callback: 1, user: 2, operator: 3, administrator: 4 } as const;
export type PrivilegeLevel = keyof typeof PRIVILEGE_LEVELS;

/** One round trip: `build(attempt)` makes the datagram, `accept` recognises the answer (undefined = not it). */
export type Talk = <T>(what: string, build: (attempt: number) => Buffer, accept: (datagram: Buffer) => T | undefined) => Promise<T>;

export interface SessionCredentials {
  username: string;
  password: string;
  /** The BMC key (Kg), when the BMC has one set; otherwise the password keys the session (§13.31). */
  kg?: Buffer;
}

export interface Session {
  consoleSessionId: number;
  bmcSessionId: number;
  security: PacketSecurity;
  /** The next outbound session sequence number; moves on with every packet, retransmissions included. */
  nextSequence: number;
  /** The next rqSeq (6 bits); kept by a retransmission of the same request. */
  nextRqSeq: number;
  lastUsed: number;
}

export interface SetupContext {
  bmc: string;
  talk: Talk;
  credentials: SessionCredentials;
  suite: CipherSuite;
  privilege: PrivilegeLevel;
  /** Sends a datagram without waiting for an answer (the RAKP 3 that tells a BMC we gave up). */
  sendOnly: (datagram: Buffer) => void;
}

const APP = 0x06;
const CMD_GET_CHANNEL_AUTH_CAPABILITIES = 0x38;
export const CMD_SET_SESSION_PRIVILEGE = 0x3b;
/** Channel 0Eh = "the channel this request arrives on"; bit 7 asks for the IPMI 2.0 extended data. */
const THIS_CHANNEL_V2 = 0x8e;
/** RAKP 1 role bit 4: look the user up by name only, as ipmitool and Ironic do by default (§13.28). */
const NAME_ONLY_LOOKUP = 0x10;
let messageTag = 0;

export async function openSession(ctx: SetupContext): Promise<Session> {
  const { bmc, talk, suite, credentials } = ctx;
  const username = Buffer.from(credentials.username, 'utf8');
  const password = Buffer.from(credentials.password, 'utf8');
  const privilege = PRIVILEGE_LEVELS[ctx.privilege];

  // 1. Is RMCP+ there at all? This also costs a dead BMC only one cheap request before anything else.
  const caps = await talk('Get Channel Authentication Capabilities',
    () => encodePresessionPacket(encodeRequest(APP, CMD_GET_CHANNEL_AUTH_CAPABILITIES, 0, Buffer.from([THIS_CHANNEL_V2, privilege]))),
    (d) => {
      const p = decodePacket(d);
      const r = p && p.payloadType === PayloadType.ipmi ? decodeResponse(p.payload) : null;
      return r && r.cmd === CMD_GET_CHANNEL_AUTH_CAPABILITIES && r.netFn === APP + 1 ? r : undefined;
    });
  if (caps.completionCode !== 0) {
    throw new IpmiCompletionCodeError(`IPMI BMC at ${bmc} answered Get Channel Authentication Capabilities with ` +
      `${hex(caps.completionCode)} (${completionCodeMeaning(APP, CMD_GET_CHANNEL_AUTH_CAPABILITIES, caps.completionCode)})`,
    bmc, 'Get Channel Authentication Capabilities', caps.completionCode);
  }
  if (caps.data.length < 4 || (caps.data[1] & 0x80) === 0 || (caps.data[3] & 0x02) === 0) {
    throw new IpmiSessionError(`IPMI BMC at ${bmc} does not offer IPMI 2.0 (RMCP+) sessions on this channel`, bmc);
  }

  // 2. Open Session: propose exactly the suite's three algorithms.
  const consoleSessionId = randomBytes(4).readUInt32LE(0) || 1;
  const openTag = nextTag();
  const open = Buffer.alloc(32);
  open[0] = openTag;
  open[1] = privilege;
  open.writeUInt32LE(consoleSessionId, 4);
  [suite.authAlgorithm, suite.integrityAlgorithm, suite.confidentialityAlgorithm].forEach((alg, i) => {
    open[8 + i * 8] = i; // payload type: 0 authentication, 1 integrity, 2 confidentiality
    open[8 + i * 8 + 3] = 8;
    open[8 + i * 8 + 4] = alg;
  });
  const opened = await talk('Open Session Request',
    () => encodeV20Packet({ payloadType: PayloadType.openSessionRequest, sessionId: 0, sequence: 0, payload: open }),
    (d) => setupPayload(d, PayloadType.openSessionResponse, openTag, consoleSessionId));
  const openStatus = opened[1];
  if (openStatus !== 0) throw setupError(ctx, 'Open Session', openStatus);
  if (opened.length < 36) throw new IpmiProtocolError(`IPMI BMC at ${bmc} sent a short Open Session Response`, bmc);
  const offered = [opened[16], opened[24], opened[32]].map((b) => b & 0x3f);
  if (offered[0] !== suite.authAlgorithm || offered[1] !== suite.integrityAlgorithm || offered[2] !== suite.confidentialityAlgorithm) {
    throw new IpmiCipherSuiteError(`IPMI BMC at ${bmc} does not offer cipher suite ${suite.id} (${suite.description}): ` +
      `it answered with algorithms ${offered.join('/')} instead of ${suite.authAlgorithm}/${suite.integrityAlgorithm}/` +
      `${suite.confidentialityAlgorithm}; set ipmi_cipher_suite to a suite the BMC supports (3 is the most common)`, bmc, suite.id);
  }
  const bmcSessionId = opened.readUInt32LE(8);

  // 3. RAKP 1 / 2: the BMC proves it knows the password; a wrong password shows as a key exchange code that does
  //    not verify (most BMCs answer rather than refuse, §13.31).
  const rm = randomBytes(16);
  const role = NAME_ONLY_LOOKUP | privilege;
  const nameField = Buffer.concat([Buffer.from([role, username.length]), username]);
  const rakp1Tag = nextTag();
  const rakp1 = Buffer.alloc(28 + username.length);
  rakp1[0] = rakp1Tag;
  rakp1.writeUInt32LE(bmcSessionId, 4);
  rm.copy(rakp1, 8);
  rakp1[24] = role;
  rakp1[27] = username.length;
  username.copy(rakp1, 28);
  const rakp2 = await talk('RAKP Message 1',
    () => encodeV20Packet({ payloadType: PayloadType.rakp1, sessionId: 0, sequence: 0, payload: rakp1 }),
    (d) => setupPayload(d, PayloadType.rakp2, rakp1Tag, consoleSessionId));
  if (rakp2[1] !== 0) throw setupError(ctx, 'RAKP Message 2', rakp2[1]);
  const rc = rakp2.subarray(8, 24);
  const guid = rakp2.subarray(24, 40);
  const sidBytes = (n: number) => { const b = Buffer.alloc(4); b.writeUInt32LE(n); return b; };
  const expected2 = hmac(suite.hash, password, sidBytes(consoleSessionId), sidBytes(bmcSessionId), rm, rc, guid, nameField);
  const rakp3Tag = nextTag();
  const rakp3 = (status: number, code: Buffer) => {
    const b = Buffer.alloc(8 + code.length);
    b[0] = rakp3Tag;
    b[1] = status;
    b.writeUInt32LE(bmcSessionId, 4);
    code.copy(b, 8);
    return encodeV20Packet({ payloadType: PayloadType.rakp3, sessionId: 0, sequence: 0, payload: b });
  };
  if (rakp2.length < 40 || !rakp2.subarray(40).equals(expected2)) {
    // Tell the BMC so it frees the half-open session at once (status 0Fh: invalid integrity check value).
    ctx.sendOnly(rakp3(0x0f, Buffer.alloc(0)));
    throw new IpmiAuthError(`IPMI BMC at ${bmc} refused user ${credentials.username}: wrong username or password ` +
      '(the BMC\'s RAKP 2 key exchange code does not match the password)', bmc);
  }

  // 4. RAKP 3 / 4: we prove we know it; both sides derive SIK and the BMC's integrity check value confirms SIK.
  const sik = hmac(suite.hash, credentials.kg ?? password, rm, rc, nameField);
  const code3 = hmac(suite.hash, password, rc, sidBytes(consoleSessionId), nameField);
  const rakp4 = await talk('RAKP Message 3',
    () => rakp3(0, code3),
    (d) => setupPayload(d, PayloadType.rakp4, rakp3Tag, consoleSessionId));
  if (rakp4[1] !== 0) throw setupError(ctx, 'RAKP Message 4', rakp4[1]);
  const icv = hmac(suite.hash, sik, rm, sidBytes(bmcSessionId), guid).subarray(0, suite.rakp4IcvLength);
  if (!rakp4.subarray(8).equals(icv)) {
    throw new IpmiAuthError(`IPMI BMC at ${bmc} refused the session key: its RAKP 4 check value does not match ` +
      '(a BMC key Kg is set on the BMC but not given, or differs)', bmc);
  }

  return {
    consoleSessionId, bmcSessionId, security: { suite, keys: deriveKeys(suite, sik) },
    nextSequence: 1, nextRqSeq: 1, lastUsed: Date.now(),
  };
}

function nextTag(): number {
  messageTag = (messageTag + 1) & 0xff;
  return messageTag;
}

/** The payload of a session-setup answer of `type` carrying our tag and session ID, or undefined. */
function setupPayload(datagram: Buffer, type: number, tag: number, consoleSessionId: number): Buffer | undefined {
  const p = decodePacket(datagram);
  if (!p || p.version !== 2.0 || p.payloadType !== type || p.payload.length < 2 || p.payload[0] !== tag) return undefined;
  // An error answer is taken on its tag alone: ipmi_sim 2.0.33 sends only the tag and the status byte.
  if (p.payload[1] !== 0) return p.payload;
  return p.payload.length >= 8 && p.payload.readUInt32LE(4) === consoleSessionId ? p.payload : undefined;
}

function setupError(ctx: SetupContext, step: string, status: number): Error {
  const meaning = `${step} status ${hex(status)}: ${rmcpStatusMeaning(status)}`;
  if (CIPHER_SUITE_STATUSES.has(status)) {
    return new IpmiCipherSuiteError(`IPMI BMC at ${ctx.bmc} does not offer cipher suite ${ctx.suite.id} ` +
      `(${ctx.suite.description}) (${meaning}); set ipmi_cipher_suite to a suite the BMC supports (3 is the most common)`,
    ctx.bmc, ctx.suite.id);
  }
  if (AUTH_STATUSES.has(status)) {
    const what = status === 0x0d || status === 0x0f || status === 0x0c
      ? 'wrong username or password' : `privilege level ${ctx.privilege} not allowed`;
    return new IpmiAuthError(`IPMI BMC at ${ctx.bmc} refused user ${ctx.credentials.username}: ${what} (${meaning})`, ctx.bmc, status);
  }
  return new IpmiSessionError(`IPMI BMC at ${ctx.bmc} could not open a session (${meaning})`, ctx.bmc, status);
}
