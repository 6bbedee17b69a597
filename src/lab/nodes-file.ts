// DIR/nodes.json in TripleO's instackenv form, so `openstack baremetal create` (or Ferrite's enrolment) can take the
// lab's servers as they are. Rewritten at every start because the URL's port may change. With IPMI, each server is
// listed once, as an ipmi node (its IPMI BMC's address); its Redfish address stays usable all the same.
import { join } from 'node:path';
import { writeJsonAtomic } from './state-files.js';
import { CPU_TOTAL, MEMORY_GIB } from './system-views.js';
import { macsFor, type VirtualServer } from './virtual-server.js';

export function writeNodesFile(
  dir: string, url: string, username: string, password: string, servers: VirtualServer[], ipmi: boolean,
): string {
  const path = join(dir, 'nodes.json');
  const nodes = servers.map((s) => ({
    name: s.rec.name,
    ...(ipmi && s.ipmi
      ? { pm_type: 'ipmi', pm_addr: '127.0.0.1', pm_port: s.ipmi.port }
      : { pm_type: 'redfish', pm_addr: url, pm_system_id: s.systemPath }),
    pm_user: username,
    pm_password: password,
    mac: macsFor(s.rec.index),
    cpu: String(CPU_TOTAL),
    memory: String(MEMORY_GIB * 1024),
    disk: String(Math.floor(s.diskBytes / 1024 ** 3)),
    arch: 'x86_64',
  }));
  writeJsonAtomic(path, { nodes });
  return path;
}
