import { ProvisionState, type ProvisionState as State } from '../../domain/provision-state-machine.js';
import type { Node } from '../../domain/node.js';
import type { ConductorCore } from '../conductor.js';
import { failAction } from '../flows/agent-flows.js';

/** Fails nodes that waited for a callback (an agent, an inspector) longer than their timeout. */
export async function checkWaitTimeouts(core: ConductorCore): Promise<number> {
  const c = core.config.conductor;
  // The step that was waited on is cleared, as when the step fails (Ironic's error handlers do the same).
  const limits: [State, number, string, Partial<Node>][] = [
    [ProvisionState.waitCallBack, c.deployCallbackTimeout, 'deploy', { deploy_step: {} }],
    [ProvisionState.cleanWait, c.cleanCallbackTimeout, 'cleaning', { clean_step: {} }],
    [ProvisionState.inspectWait, c.inspectWaitTimeout, 'inspection', {}],
    [ProvisionState.rescueWait, c.rescueCallbackTimeout, 'rescue', {}],
    [ProvisionState.serviceWait, c.serviceCallbackTimeout, 'service', { service_step: {} }],
  ];
  let failed = 0;
  for (const [state, seconds, what, cleared] of limits) {
    if (seconds <= 0) continue;
    const cutoff = Date.now() - seconds * 1000;
    const waiting = await core.store.nodes.list({ provisionStates: [state], filters: { reservation: null, maintenance: false } });
    for (const node of waiting) {
      if (!node.provision_updated_at || Date.parse(node.provision_updated_at) > cutoff) continue;
      await core.withTask(node, 'timeout', async (task) => {
        if (task.node.provision_state !== state) return;
        await failAction(task, new Error(`Timeout reached while waiting for callback for node ${task.node.uuid} (${what}, ${seconds} s)`), 'timeout', cleared);
        failed += 1;
      }).catch((e: unknown) => core.log.debug({ node: node.uuid, err: e }, 'timeout check skipped'));
    }
  }
  return failed;
}
