import type { BootDevice, BootFlags, ChassisControlAction, ChassisStatus, DeviceId } from './commands.js';
import type { PrivilegeLevel } from './session-setup.js';
import type { IpmiResponse } from './wire.js';

/**
 * IPMB bridging behind the BMC (Ironic's `ipmi_bridging` and its channel/address options): the command goes to
 * the LAN BMC, which forwards it to a satellite controller — `single` straight to the target, `dual` through a
 * transit controller first. Only the ipmitool backend does this; the native client refuses such a target.
 */
export interface IpmiBridging {
  type: 'single' | 'dual';
  /** ipmitool `-b`: the channel the target sits on. */
  targetChannel: number;
  /** ipmitool `-t`: the target's IPMB address. */
  targetAddress: number;
  /** ipmitool `-B`, dual bridging only. */
  transitChannel?: number;
  /** ipmitool `-T`, dual bridging only. */
  transitAddress?: number;
  /** ipmitool `-m`: our own IPMB address, when the BMC's default (20h) is not it. */
  localAddress?: number;
}

/** One BMC and how to log in to it — Ironic's ipmi_address/port/username/password/cipher_suite/priv_level. */
export interface IpmiTarget {
  host: string;
  /** UDP port; 623 by default. */
  port?: number;
  username: string;
  password: string;
  /**
   * RMCP+ cipher suite (Ironic's `ipmi_cipher_suite`). Default 3 (RAKP-HMAC-SHA1, HMAC-SHA1-96, AES-CBC-128): the
   * suite every IPMI 2.0 BMC must offer and the one both test peers speak; ask for 17 (SHA-256) where the BMC has it.
   */
  cipherSuite?: number;
  /** Session privilege level; administrator by default (chassis control and boot options need operator or more). */
  privilege?: PrivilegeLevel;
  /** The BMC key Kg, when one is set on the BMC. */
  kg?: Buffer;
  /** Commands go through the BMC to a controller behind it (ipmitool backend only). */
  bridging?: IpmiBridging;
}

export interface BootFlagsRequest {
  device: BootDevice;
  /** Every boot rather than the next one only. */
  persistent?: boolean;
  /** UEFI rather than legacy (PC compatible) boot. */
  efi?: boolean;
}

/**
 * What the ipmi hardware type needs from an IPMI implementation, so the operator can choose one (`[ipmi] client`):
 * the native RMCP+ client or ipmitool. Both return the same typed results (parsed by commands.ts) and throw the
 * same typed errors (errors.ts); both keep one exchange in flight per BMC address, pace commands to it and bound
 * every call, so a dead BMC costs its own callers their timeout and nobody else anything.
 */
export interface IpmiBackend {
  getDeviceId(target: IpmiTarget): Promise<DeviceId>;
  getChassisStatus(target: IpmiTarget): Promise<ChassisStatus>;
  chassisControl(target: IpmiTarget, action: ChassisControlAction): Promise<void>;
  /** Boot flags (parameter 5) as ipmitool's `chassis bootdev` writes them: lock, acknowledge, flags, unlock. */
  setBootFlags(target: IpmiTarget, flags: BootFlagsRequest): Promise<void>;
  getBootFlags(target: IpmiTarget): Promise<BootFlags>;
  /** Any command; a non-zero completion code is returned, not thrown. */
  raw(target: IpmiTarget, netFn: number, cmd: number, data: Buffer): Promise<IpmiResponse>;
  /** Releases sessions, sockets and children; the backend is not used afterwards. */
  close(): Promise<void>;
}
