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
  /** Give every server an IPMI BMC too: one Debian `ipmi_sim` per server on 127.0.0.1, driving the same state. */
  ipmi?: boolean;
  /** UDP port of the first server's IPMI BMC; the others follow consecutively. 0 picks free ports. Default 6230. */
  ipmiBasePort?: number;
  /**
   * The iPXE script servers network-boot from (the DHCP bootfile), e.g. Ferrite's `http://host:6385/boot/boot.ipxe`.
   * Without it a network boot finds nothing to boot.
   */
  bootUrl?: string;
  log?: (msg: string) => void;
}

export interface LabServerInfo {
  id: string;
  uuid: string;
  name: string;
  systemPath: string;
  macs: string[];
  /** UDP port of the server's IPMI BMC on 127.0.0.1, when the lab runs with IPMI. */
  ipmiPort?: number;
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
  /** For a disk boot: sha256 of the disk's first MiB, i.e. which image the server booted. */
  diskSha256?: string;
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
  /**
   * Power requests as the Redfish ResetType they amount to; `via: 'ipmi'` when they came through IPMI, `via: 'agent'`
   * when the agent's power command asked.
   */
  resets: { at: string; type: string; via?: 'ipmi' | 'agent' }[];
}

export interface LabServerState extends ServerCoreState {
  id: string;
  pendingPower?: { target: PowerState; at: string };
  console: string;
  faults: LabFaults;
  /** The server's IPMI BMC: its UDP port, the ipmi_sim process id (absent while it is being restarted), restarts so far. */
  ipmi?: { port: number; pid?: number; restarts: number };
  /** The agent process the server network-booted, while it runs (a child of the lab process). */
  agent?: { pid: number; cmdline: string; startedAt: string };
}

export interface Lab {
  url: string;
  caPath: string;
  servers: LabServerInfo[];
  server(id: string): LabServerState;
  close(): Promise<void>;
}
