import { createHash } from 'node:crypto';
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { AddressLane, BmcConnection, type CommandFn, type IpmiLog } from './bmc-connection.js';
import { cipherSuite, SUPPORTED_CIPHER_SUITES } from './cipher-suites.js';
import {
  BOOT_PARAM, CHASSIS_CONTROL, Cmd, encodeBootFlags, NetFn, parseBootFlags, parseChassisStatus, parseDeviceId,
  type BootFlags, type ChassisControlAction, type ChassisStatus, type DeviceId,
} from './commands.js';
import { completionCodeMeaning, hex } from './completion-codes.js';
import { IpmiCipherSuiteError, IpmiCompletionCodeError, IpmiError, IpmiProtocolError } from './errors.js';
import type { BootFlagsRequest, IpmiBackend, IpmiTarget } from './ipmi-backend.js';
import { udpTransport, type DatagramTransport } from './udp-transport.js';
import type { IpmiResponse } from './wire.js';

// Where they were first defined; callers keep importing them from here.
export type { BootFlagsRequest, IpmiBridging, IpmiTarget } from './ipmi-backend.js';

export interface IpmiClientOptions {
  /** Wait for one answer before sending again. Default 1000 ms. */
  requestTimeoutMs?: number;
  /** Sends of a request after the first. Default 2. */
  retries?: number;
  /** Bound of one call, queueing and any session setup included. Default 10,000 ms. */
  operationTimeoutMs?: number;
  /** Least gap between the end of one exchange with a BMC and the start of the next. Default 5 ms. */
  minIntervalMs?: number;
  /** A session unused for this long is replaced before use (BMCs commonly drop them after 60 s). Default 30,000 ms. */
  sessionIdleMs?: number;
  /** Retransmissions, sessions opened and replaced. */
  log?: IpmiLog;
  /** For tests: the datagram layer. */
  transport?: DatagramTransport;
}

/**
 * An IPMI 2.0 (RMCP+) client over UDP. It knows nothing of nodes: callers name a BMC and credentials per call.
 * Per BMC address it keeps one exchange in flight and paces commands; per BMC and credentials it keeps a session
 * and reuses it until the BMC drops it. Each call is bounded by `operationTimeoutMs`, so a dead BMC costs its
 * callers their own timeout and nobody else anything. One instance is meant to serve a whole process.
 */
export class IpmiClient implements IpmiBackend {
  private readonly transport: DatagramTransport;
  private readonly lanes = new Map<string, AddressLane>();
  private readonly connections = new Map<string, Promise<BmcConnection>>();
  private readonly o: Required<Omit<IpmiClientOptions, 'transport' | 'log'>>;
  private readonly log: IpmiLog | undefined;

  constructor(options: IpmiClientOptions = {}) {
    this.transport = options.transport ?? udpTransport();
    this.log = options.log;
    this.o = {
      requestTimeoutMs: options.requestTimeoutMs ?? 1000,
      retries: options.retries ?? 2,
      operationTimeoutMs: options.operationTimeoutMs ?? 10_000,
      minIntervalMs: options.minIntervalMs ?? 5,
      sessionIdleMs: options.sessionIdleMs ?? 30_000,
    };
  }

  async getDeviceId(target: IpmiTarget): Promise<DeviceId> {
    const r = await this.call(target, 'Get Device ID', (c) => c(NetFn.app, Cmd.getDeviceId, Buffer.alloc(0), 'Get Device ID'));
    return parseDeviceId(r.data) ?? this.malformed(target, 'Get Device ID');
  }

  async getChassisStatus(target: IpmiTarget): Promise<ChassisStatus> {
    const r = await this.call(target, 'Get Chassis Status',
      (c) => c(NetFn.chassis, Cmd.getChassisStatus, Buffer.alloc(0), 'Get Chassis Status'));
    return parseChassisStatus(r.data) ?? this.malformed(target, 'Get Chassis Status');
  }

  async chassisControl(target: IpmiTarget, action: ChassisControlAction): Promise<void> {
    const what = `Chassis Control (${action})`;
    await this.call(target, what, (c) => c(NetFn.chassis, Cmd.chassisControl, Buffer.from([CHASSIS_CONTROL[action]]), what));
  }

  /**
   * Sets boot flags (parameter 5) the way ipmitool's `chassis bootdev` does: take the "set in progress" lock,
   * clear the boot-info acknowledgement so BIOS acts on the new flags, write them, release the lock. A BMC
   * that refuses the lock or the acknowledgement — parameter not supported (80h; ipmi_sim answers CCh), or a lock
   * someone else left set (81h) — still gets the flags, as from ipmitool; only the flags' own answer counts.
   */
  async setBootFlags(target: IpmiTarget, flags: BootFlagsRequest): Promise<void> {
    const set = (c: CommandFn, param: number, data: number[] | Buffer, what: string) =>
      c(NetFn.chassis, Cmd.setSystemBootOptions, Buffer.concat([Buffer.from([param]), Buffer.from(data)]), what);
    await this.call(target, 'Set System Boot Options', async (c) => {
      const lock = await set(c, BOOT_PARAM.setInProgress, [0x01], 'Set System Boot Options (set in progress)');
      try {
        // Write mask 01h, data 01h: BIOS has not yet handled these boot flags.
        await set(c, BOOT_PARAM.bootInfoAcknowledge, [0x01, 0x01], 'Set System Boot Options (boot info acknowledge)');
        return await set(c, BOOT_PARAM.bootFlags, encodeBootFlags(flags.device, flags.persistent ?? false, flags.efi ?? false),
          'Set System Boot Options (boot flags)');
      } finally {
        if (lock.completionCode === 0) await set(c, BOOT_PARAM.setInProgress, [0x00], 'Set System Boot Options (set complete)');
      }
    });
  }

  async getBootFlags(target: IpmiTarget): Promise<BootFlags> {
    const r = await this.call(target, 'Get System Boot Options',
      (c) => c(NetFn.chassis, Cmd.getSystemBootOptions, Buffer.from([BOOT_PARAM.bootFlags, 0, 0]), 'Get System Boot Options'));
    return parseBootFlags(r.data) ?? this.malformed(target, 'Get System Boot Options');
  }

  /** Any command; a non-zero completion code is returned, not thrown. */
  async raw(target: IpmiTarget, netFn: number, cmd: number, data: Buffer): Promise<IpmiResponse> {
    const connection = await this.connection(target);
    return connection.run(Date.now() + this.o.operationTimeoutMs, (c) => c(netFn, cmd, data, `command ${hex(netFn)}/${hex(cmd)}`));
  }

  /** How many sessions were opened for this target so far (a reused session opens none). */
  async sessionsOpened(target: IpmiTarget): Promise<number> {
    return (await this.connection(target)).sessionsOpened;
  }

  /** Closes every session at its BMC (each bounded by one request timeout) and the socket. */
  async close(): Promise<void> {
    const connections = await Promise.allSettled([...this.connections.values()]);
    await Promise.all(connections.map((c) => (c.status === 'fulfilled' ? c.value.close() : Promise.resolve())));
    this.connections.clear();
    await this.transport.close();
  }

  /** Runs `fn` in the target's slot and turns a non-zero completion code of its final answer into an error. */
  private async call(target: IpmiTarget, what: string, fn: (c: CommandFn) => Promise<IpmiResponse>): Promise<IpmiResponse> {
    const deadline = Date.now() + this.o.operationTimeoutMs;
    const connection = await this.connection(target);
    const r = await connection.run(deadline, fn);
    if (r.completionCode !== 0) {
      const bmc = bmcName(target);
      throw new IpmiCompletionCodeError(`IPMI BMC at ${bmc} answered ${what} with completion code ` +
        `${hex(r.completionCode)}: ${completionCodeMeaning(r.netFn - 1, r.cmd, r.completionCode)}`, bmc, what, r.completionCode);
    }
    return r;
  }

  private malformed(target: IpmiTarget, what: string): never {
    throw new IpmiProtocolError(`IPMI BMC at ${bmcName(target)} sent a malformed ${what} answer`, bmcName(target));
  }

  private connection(target: IpmiTarget): Promise<BmcConnection> {
    if (target.bridging) {
      // Bridged (IPMB) requests need Send Message encapsulation this client does not do; ipmitool does.
      throw new IpmiError(`IPMI BMC at ${bmcName(target)}: ${target.bridging.type} bridging is not supported by the native ` +
        'IPMI client; set [ipmi] client = ipmitool', bmcName(target));
    }
    // The key holds a digest of the secrets, never the secrets themselves.
    const secret = createHash('sha256').update(`${target.username}\0${target.password}\0${target.kg?.toString('hex') ?? ''}`).digest('hex');
    const suiteId = target.cipherSuite ?? 3;
    const key = `${target.host}|${target.port ?? 623}|${suiteId}|${target.privilege ?? 'administrator'}|${secret}`;
    let pending = this.connections.get(key);
    if (!pending) {
      pending = this.makeConnection(target, suiteId);
      this.connections.set(key, pending);
      pending.catch(() => this.connections.delete(key));
    }
    return pending;
  }

  private async makeConnection(target: IpmiTarget, suiteId: number): Promise<BmcConnection> {
    const bmc = bmcName(target);
    const suite = cipherSuite(suiteId);
    if (!suite) {
      throw new IpmiCipherSuiteError(`cipher suite ${suiteId} for IPMI BMC at ${bmc} is not supported by this client ` +
        `(supported: ${SUPPORTED_CIPHER_SUITES.join(', ')})`, bmc, suiteId);
    }
    if (Buffer.byteLength(target.username) > 16) throw new IpmiError(`IPMI username for ${bmc} is longer than 16 bytes`, bmc);
    if (Buffer.byteLength(target.password) > 20) throw new IpmiError(`IPMI password for ${bmc} is longer than 20 bytes`, bmc);
    let address = target.host;
    if (isIP(address) === 0) {
      try {
        address = (await lookup(target.host)).address;
      } catch (e) {
        throw new IpmiError(`cannot resolve IPMI BMC address ${bmc}: ${(e as Error).message}`, bmc);
      }
    }
    const port = target.port ?? 623;
    const laneKey = `${address}|${port}`;
    let lane = this.lanes.get(laneKey);
    if (!lane) {
      lane = new AddressLane(this.o.minIntervalMs);
      this.lanes.set(laneKey, lane);
    }
    return new BmcConnection({
      transport: this.transport, lane, address, port, bmc, suite,
      credentials: { username: target.username, password: target.password, kg: target.kg },
      privilege: target.privilege ?? 'administrator',
      requestTimeoutMs: this.o.requestTimeoutMs, retries: this.o.retries, sessionIdleMs: this.o.sessionIdleMs, log: this.log,
    });
  }
}

function bmcName(target: IpmiTarget): string {
  const host = target.host.includes(':') ? `[${target.host}]` : target.host;
  return `${host}:${target.port ?? 623}`;
}
