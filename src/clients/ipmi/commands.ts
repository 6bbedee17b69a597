/**
 * The typed commands of the ipmi hardware type (IPMI 2.0 §20.1 Get Device ID, §28.2 Get Chassis Status,
 * §28.3 Chassis Control, §28.12–28.13 System Boot Options): request bytes and parsed answers, no I/O.
 */

export const NetFn = { chassis: 0x00, app: 0x06 } as const;
export const Cmd = {
  getDeviceId: 0x01,
  getChassisStatus: 0x01,
  chassisControl: 0x02,
  setSystemBootOptions: 0x08,
  getSystemBootOptions: 0x09,
} as const;

export interface DeviceId {
  deviceId: number;
  deviceRevision: number;
  providesSdrs: boolean;
  /** False while the device is in firmware update or self-initialisation (bit 7 of firmware revision 1). */
  available: boolean;
  /** e.g. "9.08": major, then the BCD minor as two digits, as ipmitool prints it. */
  firmwareRevision: string;
  /** e.g. "2.0". */
  ipmiVersion: string;
  additionalDeviceSupport: number;
  manufacturerId: number;
  productId: number;
  auxFirmwareRevision?: Buffer;
}

export function parseDeviceId(data: Buffer): DeviceId | null {
  if (data.length < 11) return null;
  const bcd = (b: number) => (b >> 4) * 10 + (b & 0x0f);
  return {
    deviceId: data[0],
    deviceRevision: data[1] & 0x0f,
    providesSdrs: (data[1] & 0x80) !== 0,
    available: (data[2] & 0x80) === 0,
    firmwareRevision: `${data[2] & 0x7f}.${String(bcd(data[3])).padStart(2, '0')}`,
    ipmiVersion: `${data[4] & 0x0f}.${data[4] >> 4}`,
    additionalDeviceSupport: data[5],
    manufacturerId: data.readUIntLE(6, 3) & 0x0fffff,
    productId: data.readUInt16LE(9),
    ...(data.length >= 15 ? { auxFirmwareRevision: Buffer.from(data.subarray(11, 15)) } : {}),
  };
}

export type PowerRestorePolicy = 'always-off' | 'previous' | 'always-on' | 'unknown';
export type IdentifyState = 'off' | 'temporary' | 'indefinite' | 'unknown';

export interface ChassisStatus {
  powerOn: boolean;
  powerOverload: boolean;
  interlock: boolean;
  powerFault: boolean;
  powerControlFault: boolean;
  powerRestorePolicy: PowerRestorePolicy;
  lastPowerEvent: { acFailed: boolean; overload: boolean; interlock: boolean; fault: boolean; commandedOn: boolean };
  intrusion: boolean;
  frontPanelLockout: boolean;
  driveFault: boolean;
  coolingFault: boolean;
  /** 'unknown' when the BMC does not report identify state (bit 6 of byte 3 clear). */
  identify: IdentifyState;
}

export function parseChassisStatus(data: Buffer): ChassisStatus | null {
  if (data.length < 3) return null;
  const [power, last, misc] = data;
  const bit = (b: number, n: number) => (b & (1 << n)) !== 0;
  return {
    powerOn: bit(power, 0),
    powerOverload: bit(power, 1),
    interlock: bit(power, 2),
    powerFault: bit(power, 3),
    powerControlFault: bit(power, 4),
    powerRestorePolicy: (['always-off', 'previous', 'always-on', 'unknown'] as const)[(power >> 5) & 0x03],
    lastPowerEvent: {
      acFailed: bit(last, 0), overload: bit(last, 1), interlock: bit(last, 2), fault: bit(last, 3), commandedOn: bit(last, 4),
    },
    intrusion: bit(misc, 0),
    frontPanelLockout: bit(misc, 1),
    driveFault: bit(misc, 2),
    coolingFault: bit(misc, 3),
    identify: bit(misc, 6) ? (['off', 'temporary', 'indefinite', 'unknown'] as const)[(misc >> 4) & 0x03] : 'unknown',
  };
}

/** Chassis Control data byte 1 (§28.3). */
export const CHASSIS_CONTROL = {
  'power-down': 0x00,
  'power-up': 0x01,
  'power-cycle': 0x02,
  'hard-reset': 0x03,
  /** Pulse a diagnostic interrupt (NMI). */
  'diagnostic-interrupt': 0x04,
  /** Soft shutdown via ACPI over-temperature emulation. */
  'soft-shutdown': 0x05,
} as const;
export type ChassisControlAction = keyof typeof CHASSIS_CONTROL;

/** Boot device selector, bits 5:2 of boot flags data byte 2 (§28.13, parameter 5); names follow ipmitool's. */
export const BOOT_DEVICES = {
  none: 0x0,
  pxe: 0x1,
  disk: 0x2,
  safe: 0x3,
  diag: 0x4,
  cdrom: 0x5,
  bios: 0x6,
  'remote-floppy': 0x7,
  'remote-cdrom': 0x8,
  'remote-media': 0x9,
  'remote-disk': 0xb,
  floppy: 0xf,
} as const;
export type BootDevice = keyof typeof BOOT_DEVICES;

export interface BootFlags {
  /** The boot flags valid bit; BIOS clears it after using the flags once (unless persistent). */
  valid: boolean;
  persistent: boolean;
  efi: boolean;
  /** null for a selector value the spec reserves. */
  device: BootDevice | null;
  /** The five data bytes as read, for what this type does not name. */
  raw: Buffer;
}

export const BOOT_PARAM = { setInProgress: 0, bootInfoAcknowledge: 4, bootFlags: 5 } as const;

export function encodeBootFlags(device: BootDevice, persistent: boolean, efi: boolean): Buffer {
  return Buffer.from([
    0x80 | (persistent ? 0x40 : 0) | (efi ? 0x20 : 0),
    BOOT_DEVICES[device] << 2,
    0, 0, 0,
  ]);
}

/** Get System Boot Options answer for parameter 5: version, parameter (bit 7 = invalid/locked), five data bytes. */
export function parseBootFlags(data: Buffer): BootFlags | null {
  if (data.length < 7 || (data[1] & 0x7f) !== BOOT_PARAM.bootFlags) return null;
  const raw = Buffer.from(data.subarray(2, 7));
  const selector = (raw[1] >> 2) & 0x0f;
  const device = (Object.keys(BOOT_DEVICES) as BootDevice[]).find((d) => BOOT_DEVICES[d] === selector) ?? null;
  return { valid: (raw[0] & 0x80) !== 0, persistent: (raw[0] & 0x40) !== 0, efi: (raw[0] & 0x20) !== 0, device, raw };
}
