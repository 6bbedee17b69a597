// What the request handlers share: the servers, sessions, tasks and settings of one running lab.
import type { Sessions } from './sessions.js';
import type { Tasks } from './tasks.js';
import type { LabSettings, VirtualServer } from './virtual-server.js';

export interface LabRuntime {
  serviceUuid: string;
  username: string;
  password: string;
  servers: VirtualServer[];
  /** By UUID (the Redfish id of the System, Manager and Chassis) and, for the admin API, by name too. */
  byId: Map<string, VirtualServer>;
  byName: Map<string, VirtualServer>;
  sessions: Sessions;
  tasks: Tasks;
  settings: LabSettings;
  log: (msg: string) => void;
  /** Collections never change after start, so they are serialised once. */
  collectionJson: { Systems: string; Managers: string; Chassis: string };
}
