/**
 * The parts of DMTF Redfish resources Ferrite reads, as they appear on the wire. Fields are optional where real
 * BMCs are known to leave them out; readers must cope.
 */

export interface ODataLink {
  '@odata.id': string;
}

export interface Collection {
  Members?: ODataLink[];
  'Members@odata.count'?: number;
}

export interface ServiceRoot {
  RedfishVersion?: string;
  UUID?: string;
  Systems?: ODataLink;
  Managers?: ODataLink;
  Chassis?: ODataLink;
  SessionService?: ODataLink;
  TaskService?: ODataLink;
  Links?: { Sessions?: ODataLink };
}

export type RedfishPowerState = 'On' | 'Off' | 'PoweringOn' | 'PoweringOff' | 'Paused';
export type ResetType =
  | 'On' | 'ForceOff' | 'GracefulShutdown' | 'GracefulRestart' | 'ForceRestart' | 'PowerCycle' | 'Nmi' | 'ForceOn' | 'PushPowerButton';
export type BootSourceTarget =
  | 'None' | 'Pxe' | 'Cd' | 'Usb' | 'Hdd' | 'BiosSetup' | 'UefiHttp' | 'Floppy' | 'UefiTarget' | 'Utilities' | 'Diags' | 'SDCard' | 'RemoteDrive';
export type BootOverrideEnabled = 'Disabled' | 'Once' | 'Continuous';
export type BootOverrideMode = 'UEFI' | 'Legacy';

export interface ComputerSystem {
  '@odata.id'?: string;
  '@odata.etag'?: string;
  Id?: string;
  Name?: string;
  UUID?: string;
  PowerState?: RedfishPowerState | null;
  Manufacturer?: string;
  Model?: string;
  SerialNumber?: string;
  IndicatorLED?: string;
  ProcessorSummary?: { Count?: number; Model?: string };
  MemorySummary?: { TotalSystemMemoryGiB?: number };
  Boot?: {
    BootSourceOverrideTarget?: BootSourceTarget;
    BootSourceOverrideEnabled?: BootOverrideEnabled;
    BootSourceOverrideMode?: BootOverrideMode;
    'BootSourceOverrideTarget@Redfish.AllowableValues'?: string[];
  };
  Processors?: ODataLink;
  Memory?: ODataLink;
  EthernetInterfaces?: ODataLink;
  SimpleStorage?: ODataLink;
  Storage?: ODataLink;
  Bios?: ODataLink;
  Links?: { ManagedBy?: ODataLink[]; Chassis?: ODataLink[] };
  Actions?: {
    '#ComputerSystem.Reset'?: { target?: string; 'ResetType@Redfish.AllowableValues'?: string[] };
  };
}

export interface Processor {
  ProcessorType?: string;
  ProcessorArchitecture?: string;
  InstructionSet?: string;
  TotalCores?: number;
  TotalThreads?: number;
  Model?: string;
}

export interface EthernetInterface {
  Id?: string;
  MACAddress?: string | null;
  PermanentMACAddress?: string | null;
  Status?: { State?: string; Health?: string };
}

export interface SimpleStorage {
  Devices?: { Name?: string; CapacityBytes?: number | null }[];
}

export interface Storage {
  Drives?: ODataLink[];
}

export interface Drive {
  CapacityBytes?: number | null;
  MediaType?: string;
}

export interface Manager {
  Id?: string;
  VirtualMedia?: ODataLink;
}

export interface VirtualMedia {
  Id?: string;
  MediaTypes?: string[];
  Image?: string | null;
  Inserted?: boolean;
  Actions?: {
    '#VirtualMedia.InsertMedia'?: { target?: string };
    '#VirtualMedia.EjectMedia'?: { target?: string };
  };
}

export interface Bios {
  Attributes?: Record<string, unknown>;
  '@Redfish.Settings'?: { SettingsObject?: ODataLink };
}

export type TaskState =
  | 'New' | 'Starting' | 'Running' | 'Suspended' | 'Interrupted' | 'Pending' | 'Stopping' | 'Completed' | 'Killed'
  | 'Exception' | 'Service' | 'Cancelling' | 'Cancelled';

export interface Task {
  Id?: string;
  TaskState?: TaskState;
  TaskStatus?: string;
  PercentComplete?: number;
  Messages?: { Message?: string; MessageId?: string }[];
}
