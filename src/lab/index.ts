// The virtual Redfish lab: N emulated servers behind one Redfish service (and, on request, one ipmi_sim IPMI BMC per
// server), for tests, CI, benchmarks and demos.
export { startLab } from './lab.js';
export type {
  BootRecordEntry, Lab, LabFaults, LabOptions, LabServerInfo, LabServerState, OsState, PowerState,
} from './lab-types.js';
