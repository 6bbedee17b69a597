/**
 * The `direct` deploy interface: the node network-boots the agent, the agent looks itself up and heartbeats, and on
 * its first heartbeat the conductor runs the deploy steps — the agent streams the image onto the disk and verifies
 * it, the boot interface switches the node to its disk, the node is powered off and booted into the instance.
 * Cleaning works the same way with the agent's clean steps. Every step is recorded on the node as it runs
 * (`deploy_step` / `clean_step`), with Ironic's names and priorities.
 */
import { InvalidParameterValue } from '../../domain/errors.js';
import type { JsonObject } from '../../domain/node.js';
import type { DeployInterface, StepOutcome, TaskContext } from '../interfaces.js';
import type { AgentSteps } from './agent-steps.js';
import { powerOff, powerOn, tidyRamdiskBoot } from './node-power.js';
import { agentImageInfo, instanceImage } from './instance-image.js';
import { planCleanSteps, text } from './clean-plan.js';

/** Ironic's direct deploy steps, in the order their priorities give. */
const DEPLOY_STEPS = [
  { step: 'deploy', priority: 100 },
  { step: 'write_image', priority: 80 },
  { step: 'prepare_instance_boot', priority: 60 },
  { step: 'tear_down_agent', priority: 40 },
  { step: 'switch_to_tenant_network', priority: 30 },
  { step: 'boot_instance', priority: 20 },
].map((s) => ({ interface: 'deploy', ...s, argsinfo: null, args: {} }));

/** Where a cleaning keeps the steps it was asked for until the agent is up (null: automated cleaning). */
const CLEAN_REQUEST_KEY = 'ferrite_clean_request';

async function record(task: TaskContext, field: 'deploy_step' | 'clean_step', step: JsonObject): Promise<void> {
  task.log.info({ step: `${text(step.interface)}.${text(step.step)}` }, `${field.replace('_', ' ')} started`);
  await task.save({ [field]: step });
}

async function bootRamdisk(task: TaskContext): Promise<void> {
  const { boot } = task.interfaces;
  await powerOff(task);
  await boot.prepareRamdisk(task, {});
  await powerOn(task);
}

export function directDeploy(agent: AgentSteps): DeployInterface {
  return {
    name: 'direct',
    properties: () => ({}),
    async validate(task) {
      await task.interfaces.boot.validate(task);
      instanceImage(task.node);
    },

    async prepare(task) {
      // A new deploy gets a new agent: what an earlier one left (its address) must not be talked to.
      const info = { ...task.node.driver_internal_info };
      delete info.agent_url;
      await task.save({ driver_internal_info: { ...info, deploy_steps: DEPLOY_STEPS, is_whole_disk_image: true } });
    },

    async deploy(task): Promise<StepOutcome> {
      await record(task, 'deploy_step', DEPLOY_STEPS[0]);
      await bootRamdisk(task);
      return 'wait';
    },

    async continueDeploy(task): Promise<StepOutcome> {
      const node = task.node;
      const image = instanceImage(node);
      const [, write, prepareBoot, tearDown, tenant, bootInstance] = DEPLOY_STEPS;
      await record(task, 'deploy_step', { ...write, args: {} });
      const { managerVersions } = await agent.offered(task, 'deploy');
      await agent.run(task, 'deploy', { ...write, args: { image_info: agentImageInfo(node, image) } }, managerVersions);

      await record(task, 'deploy_step', prepareBoot);
      await task.interfaces.boot.prepareInstance(task);

      await record(task, 'deploy_step', tearDown);
      try {
        const { url, token } = agent.endpoint(task);
        await agent.client.runSync(url, token, 'standby.sync', {});
      } catch (e) {
        // The image was verified on the disk already; an unflushed cache only matters on real hardware, and a hard
        // power-off after a failed sync is what Ironic does too.
        task.log.warn({ err: (e as Error).message }, 'the agent could not sync the disk before power-off');
      }
      await powerOff(task);

      // The network interface binds no ports yet (noop): the step is recorded so the sequence reads as Ironic's.
      await record(task, 'deploy_step', tenant);

      await record(task, 'deploy_step', bootInstance);
      await powerOn(task);
      return 'done';
    },

    async tearDown(task) {
      await powerOff(task);
    },

    async cleanUp(task) {
      await task.interfaces.boot.cleanUpInstance(task);
      await task.interfaces.boot.cleanUpRamdisk(task);
    },

    async clean(task, steps): Promise<StepOutcome> {
      if (steps !== null) {
        for (const s of steps) {
          if (s.interface !== 'deploy') {
            throw new InvalidParameterValue(`Clean step ${text(s.interface)}.${text(s.step)} is not one the agent runs: its steps belong to the deploy interface`);
          }
        }
      }
      const info = { ...task.node.driver_internal_info };
      delete info.agent_url;
      await task.save({ driver_internal_info: { ...info, [CLEAN_REQUEST_KEY]: steps === null ? null : [...steps] } });
      await bootRamdisk(task);
      return 'wait';
    },

    async continueClean(task): Promise<StepOutcome> {
      const requested = task.node.driver_internal_info[CLEAN_REQUEST_KEY];
      const offered = await agent.offered(task, 'clean');
      const plan = planCleanSteps(offered.steps, Array.isArray(requested) ? (requested as JsonObject[]) : null, agent.settings.erasePriorities);
      await task.save({ driver_internal_info: { ...task.node.driver_internal_info, clean_steps: plan } });
      for (const step of plan) {
        await record(task, 'clean_step', step);
        await agent.run(task, 'clean', step, offered.managerVersions);
      }
      await task.interfaces.boot.cleanUpRamdisk(task);
      await powerOff(task);
      const info = { ...task.node.driver_internal_info };
      delete info[CLEAN_REQUEST_KEY];
      await task.save({ driver_internal_info: info });
      return 'done';
    },

    failed: tidyRamdiskBoot,
  };
}
