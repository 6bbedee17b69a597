import { setTimeout as sleep } from 'node:timers/promises';
import type { CipherSuite } from './cipher-suites.js';
import { completionCodeMeaning, hex } from './completion-codes.js';
import { IpmiAuthError, IpmiTimeoutError } from './errors.js';
import { exchange } from './exchange.js';
import {
  CMD_SET_SESSION_PRIVILEGE, openSession, PRIVILEGE_LEVELS, type PrivilegeLevel, type Session, type SessionCredentials,
} from './session-setup.js';
import type { DatagramTransport } from './udp-transport.js';
import { decodePacket, decodeResponse, encodeRequest, encodeV20Packet, PayloadType, type IpmiResponse } from './wire.js';

/**
 * Everything this client sends to one BMC address goes through one AddressLane: one exchange at a time, in call
 * order, with at least `minIntervalMs` between the end of one and the start of the next. BMCs are small embedded
 * systems; many drop or mishandle overlapping requests, and replies are routed by source address alone.
 */
export class AddressLane {
  private tail: Promise<unknown> = Promise.resolve();
  private lastEnd = 0;

  constructor(readonly minIntervalMs: number) {}

  /** Runs `fn` when everything queued before it on this address is done. */
  run<T>(fn: () => Promise<T>): Promise<T> {
    const result = this.tail.then(fn);
    this.tail = result.catch(() => undefined);
    return result;
  }

  /**
   * Waits out the minimum interval (unless `wait` is false: the later packets of one operation, such as the session
   * handshake, go back to back as ipmitool sends them), runs one exchange, and notes when it ended.
   */
  async paced<T>(fn: () => Promise<T>, wait = true): Promise<T> {
    const gap = wait ? this.lastEnd + this.minIntervalMs - Date.now() : 0;
    if (gap > 0) await sleep(gap);
    try {
      return await fn();
    } finally {
      this.lastEnd = Date.now();
    }
  }
}

export interface ConnectionOptions {
  transport: DatagramTransport;
  lane: AddressLane;
  /** Numeric address and port the datagrams go to. */
  address: string;
  port: number;
  /** `host:port` as the caller named it, for messages. */
  bmc: string;
  credentials: SessionCredentials;
  suite: CipherSuite;
  privilege: PrivilegeLevel;
  requestTimeoutMs: number;
  retries: number;
  /** A session unused for longer is not trusted to still exist at the BMC and is replaced. */
  sessionIdleMs: number;
  log?: IpmiLog;
}

/** Where the client reports what an operator may want to see; objects never hold credentials. */
export interface IpmiLog {
  debug(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

/** Issues commands inside the slot `run` holds; `what` names the command in messages. */
export type CommandFn = (netFn: number, cmd: number, data: Buffer, what: string) => Promise<IpmiResponse>;

const APP = 0x06;
const CMD_CLOSE_SESSION = 0x3c;
/** Past this the 32-bit session sequence number is near wrapping; a new session is cheaper than the edge case. */
const SEQUENCE_LIMIT = 0xfffff000;

/**
 * A BMC as one user with one cipher suite and privilege sees it: the session, reused by every command until it
 * goes idle, wraps, or stops answering — then it is replaced once, transparently, within the same deadline.
 */
export class BmcConnection {
  private session: Session | null = null;
  /** Sessions this connection opened; tests and metrics read it. */
  sessionsOpened = 0;

  constructor(private readonly o: ConnectionOptions) {}

  /** Runs `fn` alone on the BMC's address; every command it issues shares `deadline`. */
  run<T>(deadline: number, fn: (command: CommandFn) => Promise<T>): Promise<T> {
    return this.o.lane.run(() => fn((netFn, cmd, data, what) => this.command(netFn, cmd, data, what, deadline)));
  }

  /** Ends the session at the BMC, waiting at most one request timeout for the answer. */
  close(): Promise<void> {
    return this.o.lane.run(async () => {
      const session = this.session;
      this.session = null;
      if (!session) return;
      const deadline = Date.now() + this.o.requestTimeoutMs;
      await this.inSession(session, APP, CMD_CLOSE_SESSION, sessionIdBytes(session), 'Close Session', deadline, 0)
        .catch(() => undefined);
    });
  }

  private async command(netFn: number, cmd: number, data: Buffer, what: string, deadline: number): Promise<IpmiResponse> {
    let replaced = false;
    for (;;) {
      let session = this.session;
      if (session && (Date.now() - session.lastUsed > this.o.sessionIdleMs || session.nextSequence > SEQUENCE_LIMIT)) {
        this.abandon(session);
        session = null;
      }
      const reused = session !== null;
      session ??= await this.establish(deadline);
      try {
        // The minimum interval is kept between operations: after a handshake the command follows at once.
        const response = await this.inSession(session, netFn, cmd, data, what, deadline, this.o.retries, reused);
        session.lastUsed = Date.now();
        return response;
      } catch (e) {
        if (this.session === session) this.session = null;
        // A reused session that gets no answer at all may have been dropped by the BMC (its own idle timeout, a
        // BMC reset, another client closing it): BMCs silently discard packets for unknown sessions. One new
        // session within the same deadline tells a dropped session from a dead BMC.
        if (e instanceof IpmiTimeoutError && reused && !replaced && Date.now() < deadline) {
          replaced = true;
          this.o.log?.warn({ bmc: this.o.bmc, command: what }, 'IPMI session stopped answering; opening a new one');
          continue;
        }
        throw e;
      }
    }
  }

  private async establish(deadline: number): Promise<Session> {
    const { bmc, transport, address, port } = this.o;
    // Only the handshake's first packet waits out the minimum interval; the rest of it goes back to back.
    let first = true;
    const session = await openSession({
      bmc, credentials: this.o.credentials, suite: this.o.suite, privilege: this.o.privilege,
      talk: (what, build, accept) => {
        const wait = first;
        first = false;
        return this.talk(what, build, accept, deadline, this.o.retries, wait);
      },
      sendOnly: (datagram) => transport.send(address, port, datagram),
    });
    this.sessionsOpened++;
    this.o.log?.debug({ bmc, suite: this.o.suite.id, privilege: this.o.privilege }, 'opened IPMI session');
    // RMCP+ sessions start at User level at most; the requested level must be asked for (§22.18).
    const level = PRIVILEGE_LEVELS[this.o.privilege];
    const set = await this.inSession(session, APP, CMD_SET_SESSION_PRIVILEGE, Buffer.from([level]),
      'Set Session Privilege Level', deadline, this.o.retries, false);
    if (set.completionCode !== 0) {
      this.abandon(session);
      throw new IpmiAuthError(`IPMI BMC at ${bmc} refused privilege level ${this.o.privilege} for user ` +
        `${this.o.credentials.username}: completion code ${hex(set.completionCode)} ` +
        `(${completionCodeMeaning(APP, CMD_SET_SESSION_PRIVILEGE, set.completionCode)})`, bmc);
    }
    this.session = session;
    return session;
  }

  /** One command in `session`; a retransmission keeps the rqSeq and takes a new session sequence number. */
  private inSession(session: Session, netFn: number, cmd: number, data: Buffer, what: string, deadline: number,
    retries: number, wait = true): Promise<IpmiResponse> {
    const rqSeq = session.nextRqSeq;
    session.nextRqSeq = (rqSeq + 1) & 0x3f;
    const request = encodeRequest(netFn, cmd, rqSeq, data);
    return this.talk(what,
      () => encodeV20Packet({
        payloadType: PayloadType.ipmi, sessionId: session.bmcSessionId, sequence: session.nextSequence++, payload: request,
      }, session.security),
      (datagram) => {
        const p = decodePacket(datagram, session.security);
        if (!p || p.version !== 2.0 || p.payloadType !== PayloadType.ipmi || p.sessionId !== session.consoleSessionId) return undefined;
        const r = decodeResponse(p.payload);
        return r && r.rqSeq === rqSeq && r.cmd === cmd && r.netFn === netFn + 1 ? r : undefined;
      },
      deadline, retries, wait);
  }

  private talk<T>(what: string, build: (attempt: number) => Buffer, accept: (d: Buffer) => T | undefined,
    deadline: number, retries: number, wait = true): Promise<T> {
    const { transport, address, port, bmc, requestTimeoutMs } = this.o;
    return this.o.lane.paced(() => exchange({
      transport, address, port, bmc, what, build, accept, timeoutMs: requestTimeoutMs, retries, deadline,
      onRetransmit: (attempt) => this.o.log?.debug({ bmc, command: what, attempt }, 'retransmitting IPMI request'),
    }), wait);
  }

  /** Forgets a session, asking the BMC to close it without waiting (it may be gone already). */
  private abandon(session: Session): void {
    if (this.session === session) this.session = null;
    const rqSeq = session.nextRqSeq;
    session.nextRqSeq = (rqSeq + 1) & 0x3f;
    this.o.transport.send(this.o.address, this.o.port, encodeV20Packet({
      payloadType: PayloadType.ipmi, sessionId: session.bmcSessionId, sequence: session.nextSequence++,
      payload: encodeRequest(APP, CMD_CLOSE_SESSION, rqSeq, sessionIdBytes(session)),
    }, session.security));
  }
}

function sessionIdBytes(session: Session): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(session.bmcSessionId);
  return b;
}
