import type { NetworkInterface, TaskContext } from '../interfaces.js';
import type { Port, Portgroup } from '../../domain/resources.js';
import { Conflict, InvalidParameterValue, NotFound } from '../../domain/errors.js';

const VIF_KEY = 'tenant_vif_port_id';

function vifOf(item: Port | Portgroup): string | undefined {
  const v = item.internal_info[VIF_KEY];
  return typeof v === 'string' ? v : undefined;
}

/**
 * The `noop` network interface: no switch is configured, but VIFs are still recorded on the node's ports (as
 * `internal_info.tenant_vif_port_id`), so Nova-style attach/list/detach works as with Ironic's noop interface.
 * Portgroups are preferred to their member ports; among free ports, PXE-enabled ones come first.
 */
export function noopNetwork(name = 'noop'): NetworkInterface {
  return {
    name,
    properties: () => ({}),
    validate: async () => {},

    vifList: async (task: TaskContext) => {
      const out: { id: string }[] = [];
      for (const item of [...task.portgroups, ...task.ports]) {
        const vif = vifOf(item);
        if (vif) out.push({ id: vif });
      }
      return out;
    },

    vifAttach: async (task, vif) => {
      for (const item of [...task.portgroups, ...task.ports]) {
        if (vifOf(item) === vif.id) {
          throw new Conflict(`Unable to attach VIF ${vif.id} to node ${task.node.uuid}. Reason: VIF ${vif.id} is already attached to Ironic Port ${item.uuid}`);
        }
      }
      if (vif.port_uuid && vif.portgroup_uuid) {
        throw new InvalidParameterValue('Cannot specify both port_uuid and portgroup_uuid.');
      }
      if (vif.port_uuid) {
        const port = task.ports.find((p) => p.uuid === vif.port_uuid);
        if (!port) throw new NotFound(`Port ${vif.port_uuid} could not be found.`);
        if (vifOf(port)) throw new Conflict(`Port ${port.uuid} already has a VIF attached.`);
        return task.savePort(port, { internal_info: { ...port.internal_info, [VIF_KEY]: vif.id } });
      }
      if (vif.portgroup_uuid) {
        const pg = task.portgroups.find((p) => p.uuid === vif.portgroup_uuid);
        if (!pg) throw new NotFound(`Portgroup ${vif.portgroup_uuid} could not be found.`);
        if (vifOf(pg)) throw new Conflict(`Portgroup ${pg.uuid} already has a VIF attached.`);
        return task.savePortgroup(pg, { internal_info: { ...pg.internal_info, [VIF_KEY]: vif.id } });
      }
      const freeGroup = task.portgroups.find(
        (pg) => !vifOf(pg) && task.ports.some((p) => p.portgroup_uuid === pg.uuid),
      );
      if (freeGroup) {
        return task.savePortgroup(freeGroup, { internal_info: { ...freeGroup.internal_info, [VIF_KEY]: vif.id } });
      }
      const free = task.ports
        .filter((p) => !p.portgroup_uuid && !vifOf(p))
        .sort((a, b) => Number(b.pxe_enabled) - Number(a.pxe_enabled))[0];
      if (!free) {
        throw new InvalidParameterValue(
          `Unable to attach VIF ${vif.id}, not enough free physical ports.`,
        );
      }
      await task.savePort(free, { internal_info: { ...free.internal_info, [VIF_KEY]: vif.id } });
    },

    vifDetach: async (task, vifId) => {
      for (const pg of task.portgroups) {
        if (vifOf(pg) === vifId) {
          const { [VIF_KEY]: _, ...rest } = pg.internal_info;
          return task.savePortgroup(pg, { internal_info: rest });
        }
      }
      for (const port of task.ports) {
        if (vifOf(port) === vifId) {
          const { [VIF_KEY]: _, ...rest } = port.internal_info;
          return task.savePort(port, { internal_info: rest });
        }
      }
      throw new InvalidParameterValue(
        `Unable to detach VIF ${vifId} from node ${task.node.uuid} because it is not attached to it.`,
      );
    },
  };
}
