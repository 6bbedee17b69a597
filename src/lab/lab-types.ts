// The lab's public shapes: options, the handle startLab returns, and the state snapshot the admin API serves.
// Kept apart from the implementation so tests and other tools can import them without pulling in the server.

export interface LabOptions {
  dir: string;
  servers?: number;
  host?: string;
  port?: number;
  http?: boolean;
  username?: string;
  password?: string;
  powerDelayMs?: number;
  bootDelayMs?: number;
  diskSizeBytes?: number;
  log?: (msg: string) => void;
}

export interface LabServerInfo {
  id: string;
  uuid: string;
  name: string;
  systemPath: string;
  macs: string[];
}

export type PowerState = 'on' | 'off';
export type OsState = 'off' | 'booting' | 'running' | 'crashed' | 'no bootable device';
export type BootTarget = 'Pxe' | 'Cd' | 'Usb' | 'Hdd' | 'BiosSetup' | 'UefiHttp';
export type BootEnabled = 'Disabled' | 'Once' | 'Continuous';
export type BootMode = 'UEFI' | 'Legacy';
export type BootResult = 'os' | 'ramdisk' | 'no bootable device' | 'setup';
export type IndicatorLed = 'Lit' | 'Blinking' | 'Off';
export type BiosValue = string | number | boolean;

export interface BootRecordEntry {
  at: string;
  target: BootTarget;
  mode: BootMode;
  media?: string;
  result: BootResult;
}

export interface MediaSlot {
  image: string;
  inserted: boolean;
  writeProtected: boolean;
}

export interface LabFaults {
  latencyMs?: number;
  hang?: boolean;
  status?: number;
  retryAfter?: number;
  wrongCredentials?: boolean;
  refused?: boolean;
  bmcReboot?: { seconds: number };
}

/** What a server is, as it persists and as the admin API shows it. */
export interface ServerCoreState {
  uuid: string;
  name: string;
  power: PowerState;
  os: OsState;
  boot: { target: BootTarget | 'None'; enabled: BootEnabled; mode: BootMode };
  virtualMedia: { Cd: MediaSlot; Floppy: MediaSlot };
  bios: { current: Record<string, BiosValue>; pending: Record<string, BiosValue> };
  indicatorLed: IndicatorLed;
  assetTag: string;
  bootRecord: BootRecordEntry[];
  nmiCount: number;
  resets: { at: string; type: string }[];
}

export interface LabServerState extends ServerCoreState {
  id: string;
  pendingPower?: { target: PowerState; at: string };
  console: string;
  faults: LabFaults;
}

export interface Lab {
  url: string;
  caPath: string;
  servers: LabServerInfo[];
  server(id: string): LabServerState;
  close(): Promise<void>;
}
