import { spawn } from 'node:child_process';
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { AddressLane, type IpmiLog } from './bmc-connection.js';
import {
  BOOT_PARAM, CHASSIS_CONTROL, Cmd, encodeBootFlags, NetFn, parseBootFlags, parseChassisStatus, parseDeviceId,
  type BootFlags, type ChassisControlAction, type ChassisStatus, type DeviceId,
} from './commands.js';
import { completionCodeMeaning, hex } from './completion-codes.js';
import { IpmiCompletionCodeError, IpmiError, IpmiProtocolError, IpmiTimeoutError } from './errors.js';
import type { BootFlagsRequest, IpmiBackend, IpmiTarget } from './ipmi-backend.js';
import {
  bmcName, completionCodeOf, ipmitoolArgs, ipmitoolEnv, parseRawOutput, sessionFailure,
} from './ipmitool-command.js';
import type { IpmiResponse } from './wire.js';

export interface IpmitoolClientOptions {
  /** The ipmitool program. Default /usr/bin/ipmitool (an absolute path: PATH is not trusted to find it). */
  binary?: string;
  /** ipmitool `-N`, rounded up to whole seconds. Default 1000 ms. */
  requestTimeoutMs?: number;
  /** ipmitool `-R`: tries per request. Default 2. */
  retries?: number;
  /** Bound of one call, queueing included; a child still running then is killed. Default 10,000 ms. */
  operationTimeoutMs?: number;
  /** Least gap between the end of one ipmitool run against a BMC and the start of the next. Default 5 ms. */
  minIntervalMs?: number;
  /** Each child started and how it ended (never its environment). */
  log?: IpmiLog;
}

/** Runs commands inside one slot of a BMC's lane; all share the operation's deadline. */
type RunRaw = (netFn: number, cmd: number, data: Buffer, what: string) => Promise<IpmiResponse>;

/**
 * IPMI through the ipmitool program, for BMCs the native client does not reach (IPMB bridging) or an operator's
 * preference: one `ipmitool -I lanplus … raw` child per command, as Ironic runs it. Answers are parsed by the
 * same code as the native client's, and failures become the same typed errors. The password reaches ipmitool
 * through its environment (`-E`), never argv and never a file. Per BMC address one child runs at a time, paced
 * by `minIntervalMs`; each call is bounded by `operationTimeoutMs`, past which its child is killed by PID.
 */
export class IpmitoolClient implements IpmiBackend {
  private readonly lanes = new Map<string, AddressLane>();
  private readonly children = new Set<number>();
  private readonly o: Required<Omit<IpmitoolClientOptions, 'log'>>;
  private readonly log: IpmiLog | undefined;
  private closed = false;

  constructor(options: IpmitoolClientOptions = {}) {
    this.log = options.log;
    this.o = {
      binary: options.binary ?? '/usr/bin/ipmitool',
      requestTimeoutMs: options.requestTimeoutMs ?? 1000,
      retries: options.retries ?? 2,
      operationTimeoutMs: options.operationTimeoutMs ?? 10_000,
      minIntervalMs: options.minIntervalMs ?? 5,
    };
  }

  async getDeviceId(target: IpmiTarget): Promise<DeviceId> {
    const r = await this.call(target, 'Get Device ID', (run) => run(NetFn.app, Cmd.getDeviceId, Buffer.alloc(0), 'Get Device ID'));
    return parseDeviceId(r.data) ?? malformed(target, 'Get Device ID');
  }

  async getChassisStatus(target: IpmiTarget): Promise<ChassisStatus> {
    const r = await this.call(target, 'Get Chassis Status',
      (run) => run(NetFn.chassis, Cmd.getChassisStatus, Buffer.alloc(0), 'Get Chassis Status'));
    return parseChassisStatus(r.data) ?? malformed(target, 'Get Chassis Status');
  }

  async chassisControl(target: IpmiTarget, action: ChassisControlAction): Promise<void> {
    const what = `Chassis Control (${action})`;
    await this.call(target, what, (run) => run(NetFn.chassis, Cmd.chassisControl, Buffer.from([CHASSIS_CONTROL[action]]), what));
  }

  /** The same four writes as the native client, in one slot of the BMC's lane (four ipmitool runs). */
  async setBootFlags(target: IpmiTarget, flags: BootFlagsRequest): Promise<void> {
    const set = (run: RunRaw, param: number, data: number[] | Buffer, what: string) =>
      run(NetFn.chassis, Cmd.setSystemBootOptions, Buffer.concat([Buffer.from([param]), Buffer.from(data)]), what);
    await this.call(target, 'Set System Boot Options', async (run) => {
      const lock = await set(run, BOOT_PARAM.setInProgress, [0x01], 'Set System Boot Options (set in progress)');
      try {
        await set(run, BOOT_PARAM.bootInfoAcknowledge, [0x01, 0x01], 'Set System Boot Options (boot info acknowledge)');
        return await set(run, BOOT_PARAM.bootFlags, encodeBootFlags(flags.device, flags.persistent ?? false, flags.efi ?? false),
          'Set System Boot Options (boot flags)');
      } finally {
        if (lock.completionCode === 0) await set(run, BOOT_PARAM.setInProgress, [0x00], 'Set System Boot Options (set complete)');
      }
    });
  }

  async getBootFlags(target: IpmiTarget): Promise<BootFlags> {
    const r = await this.call(target, 'Get System Boot Options',
      (run) => run(NetFn.chassis, Cmd.getSystemBootOptions, Buffer.from([BOOT_PARAM.bootFlags, 0, 0]), 'Get System Boot Options'));
    return parseBootFlags(r.data) ?? malformed(target, 'Get System Boot Options');
  }

  async raw(target: IpmiTarget, netFn: number, cmd: number, data: Buffer): Promise<IpmiResponse> {
    return this.slot(target, `command ${hex(netFn)}/${hex(cmd)}`, (run) => run(netFn, cmd, data, `command ${hex(netFn)}/${hex(cmd)}`));
  }

  /** ipmitool keeps no session between runs; what is left is children of calls still running. */
  async close(): Promise<void> {
    this.closed = true;
    for (const pid of this.children) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch { /* already gone */ }
    }
  }

  /** How many ipmitool children run right now (tests read it). */
  get running(): number {
    return this.children.size;
  }

  /** Runs `fn` in the target's slot and turns a non-zero completion code of its final answer into an error. */
  private async call(target: IpmiTarget, what: string, fn: (run: RunRaw) => Promise<IpmiResponse>): Promise<IpmiResponse> {
    const r = await this.slot(target, what, fn);
    if (r.completionCode !== 0) {
      const bmc = bmcName(target);
      throw new IpmiCompletionCodeError(`IPMI BMC at ${bmc} answered ${what} with completion code ` +
        `${hex(r.completionCode)}: ${completionCodeMeaning(r.netFn - 1, r.cmd, r.completionCode)}`, bmc, what, r.completionCode);
    }
    return r;
  }

  /**
   * Waits for the BMC's lane within the deadline, then runs `fn` alone on that address. A call whose deadline
   * passes while queued gives up its place (the lane skips it when its turn comes), so a dead BMC's queue costs
   * each caller its own bound, not the sum of everyone's before it.
   */
  private async slot<T>(target: IpmiTarget, what: string, fn: (run: RunRaw) => Promise<T>): Promise<T> {
    if (this.closed) throw new IpmiError(`IPMI BMC at ${bmcName(target)}: the ipmitool client is closed`, bmcName(target));
    const deadline = Date.now() + this.o.operationTimeoutMs;
    const lane = await this.lane(target);
    let expired = false;
    let timer: NodeJS.Timeout | undefined;
    const queued = lane.run(async () => {
      if (expired) return undefined;
      clearTimeout(timer);
      return { value: await fn((netFn, cmd, data, w) => lane.paced(() => this.runOnce(target, netFn, cmd, data, w, deadline))) };
    });
    const gaveUp = new Promise<undefined>((resolve) => {
      timer = setTimeout(() => { expired = true; resolve(undefined); }, Math.max(0, deadline - Date.now()));
    });
    const done = await Promise.race([queued, gaveUp]);
    if (done) return done.value;
    // Only a call still queued gets here: one that started cleared the timer, and its children die at the deadline.
    throw new IpmiTimeoutError(`IPMI BMC at ${bmcName(target)} did not answer ${what}: no turn within ` +
      `${this.o.operationTimeoutMs} ms (earlier commands to this BMC still running)`, bmcName(target));
  }

  private async lane(target: IpmiTarget): Promise<AddressLane> {
    let address = target.host;
    if (isIP(address) === 0) {
      try {
        address = (await lookup(target.host)).address;
      } catch (e) {
        throw new IpmiError(`cannot resolve IPMI BMC address ${bmcName(target)}: ${(e as Error).message}`, bmcName(target));
      }
    }
    // Keyed by the numeric address, as the native client's lanes: two names for one BMC still share a queue.
    const key = `${address}|${target.port ?? 623}`;
    let lane = this.lanes.get(key);
    if (!lane) {
      lane = new AddressLane(this.o.minIntervalMs);
      this.lanes.set(key, lane);
    }
    return lane;
  }

  /** One ipmitool child for one command, killed at `deadline`. */
  private runOnce(target: IpmiTarget, netFn: number, cmd: number, data: Buffer, what: string, deadline: number): Promise<IpmiResponse> {
    const bmc = bmcName(target);
    const args = ipmitoolArgs(target, { requestTimeoutSeconds: this.o.requestTimeoutMs / 1000, tries: this.o.retries }, netFn, cmd, data);
    const env = ipmitoolEnv(target);
    return new Promise<IpmiResponse>((resolve, reject) => {
      const left = deadline - Date.now();
      if (left <= 0 || this.closed) {
        reject(new IpmiTimeoutError(`IPMI BMC at ${bmc} did not answer ${what} within ${this.o.operationTimeoutMs} ms`, bmc));
        return;
      }
      const child = spawn(this.o.binary, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      let err = '';
      let killed = false;
      child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
      child.stderr.on('data', (d: Buffer) => { err += d.toString(); });
      const pid = child.pid;
      if (pid !== undefined) this.children.add(pid);
      this.log?.debug({ bmc, pid, command: what }, 'ipmitool started');
      const timer = setTimeout(() => {
        killed = true;
        // By PID, the child we started and nothing else; SIGKILL because a hung ipmitool has nothing to save.
        if (pid !== undefined) {
          try {
            process.kill(pid, 'SIGKILL');
          } catch { /* it just ended */ }
        }
      }, left);
      child.once('error', (e) => {
        clearTimeout(timer);
        if (pid !== undefined) this.children.delete(pid);
        reject(new IpmiError(`IPMI BMC at ${bmc}: cannot run ${this.o.binary}: ${e.message}`, bmc));
      });
      child.once('close', (code, signal) => {
        clearTimeout(timer);
        if (pid !== undefined) this.children.delete(pid);
        this.log?.debug({ bmc, pid, command: what, code, signal }, 'ipmitool ended');
        if (killed || (signal && code === null)) {
          reject(new IpmiTimeoutError(`IPMI BMC at ${bmc} did not answer ${what} within ${this.o.operationTimeoutMs} ms ` +
            '(ipmitool stopped)', bmc));
          return;
        }
        const response = (completionCode: number, bytes: Buffer): IpmiResponse =>
          ({ netFn: netFn + 1, rqSeq: 0, cmd, completionCode, data: bytes });
        if (code === 0) {
          const bytes = parseRawOutput(out);
          if (bytes) resolve(response(0, bytes));
          else reject(new IpmiProtocolError(`IPMI BMC at ${bmc}: ipmitool printed no answer bytes for ${what}`, bmc));
          return;
        }
        const cc = completionCodeOf(err);
        if (cc !== null) resolve(response(cc, Buffer.alloc(0)));
        else reject(sessionFailure(err, target, what, code));
      });
    });
  }
}

function malformed(target: IpmiTarget, what: string): never {
  throw new IpmiProtocolError(`IPMI BMC at ${bmcName(target)} sent a malformed ${what} answer`, bmcName(target));
}
