import type { JsonObject, Node } from './node.js';
import { InvalidParameterValue, NodeInMaintenance, NotAcceptable, invalidTransition, nodeLocked } from './errors.js';
import {
  ProvisionState, VERB_EVENTS, VERB_MIN_VERSIONS, canFire, type ProvisionEvent,
} from './provision-state-machine.js';

/** A checked `PUT /v1/nodes/{id}/states/provision` request. */
export interface ProvisionRequest {
  verb: string;
  event: ProvisionEvent;
  configdrive?: string | JsonObject;
  clean_steps?: JsonObject[];
  deploy_steps?: JsonObject[];
  service_steps?: JsonObject[];
  rescue_password?: string;
  disable_ramdisk?: boolean;
}

const isObject = (v: unknown): v is JsonObject => v !== null && typeof v === 'object' && !Array.isArray(v);

function stepList(name: string, value: unknown, needPriority: boolean): JsonObject[] {
  if (!Array.isArray(value)) throw new InvalidParameterValue(`Invalid ${name}: must be a list of steps.`);
  for (const step of value) {
    if (!isObject(step)) throw new InvalidParameterValue(`Invalid ${name}: each step must be an object.`);
    if (typeof step.interface !== 'string' || typeof step.step !== 'string') {
      throw new InvalidParameterValue(`Invalid ${name}: each step needs string "interface" and "step" fields.`);
    }
    if (step.args !== undefined && !isObject(step.args)) {
      throw new InvalidParameterValue(`Invalid ${name}: "args" of step ${step.step} must be an object.`);
    }
    if (needPriority && (typeof step.priority !== 'number' || !Number.isInteger(step.priority) || step.priority < 0)) {
      throw new InvalidParameterValue(`Invalid ${name}: step ${step.step} needs a non-negative integer "priority".`);
    }
    const extra = Object.keys(step).filter((k) => !['interface', 'step', 'args', 'priority'].includes(k));
    if (extra.length > 0) throw new InvalidParameterValue(`Invalid ${name}: unexpected field(s) ${extra.join(', ')}.`);
  }
  return value as JsonObject[];
}

/**
 * Verbs whose version Ironic checks only once the node's state allows them (they are missing from its table of
 * verb versions and are refused by the conductor's own version check): elsewhere they are plain invalid
 * transitions (400).
 */
const VERSION_CHECKED_WHEN_ACTIONABLE: ReadonlySet<string> = new Set(['unhold', 'service']);

/**
 * Checks a provision request against the node as Ironic's API does, in Ironic's order: the verb exists at this
 * version (406; for unhold and service only once actionable), maintenance, whether the state machine allows the event (409 if the node is locked, 400
 * otherwise), then each field's rules. Changes nothing.
 */
export function checkProvisionRequest(node: Node, body: Record<string, unknown>, minor: number): ProvisionRequest {
  const verb = body.target;
  if (typeof verb !== 'string' || !Object.hasOwn(VERB_EVENTS, verb)) {
    // Ironic's conductor judges the verb under the node's lock, so a locked node answers 409 first.
    if (typeof verb === 'string' && node.reservation) throw nodeLocked(node.uuid, node.reservation);
    throw new InvalidParameterValue(`The requested action "${String(verb)}" is not a valid provision state target.`);
  }
  const tooNew = minor < VERB_MIN_VERSIONS[verb];
  if (tooNew && !VERSION_CHECKED_WHEN_ACTIONABLE.has(verb)) {
    throw new NotAcceptable(`The "${verb}" provision action requires API version 1.${VERB_MIN_VERSIONS[verb]} or later.`);
  }
  const event = VERB_EVENTS[verb];
  const allowed = new Set(['target', 'configdrive', 'clean_steps', 'deploy_steps', 'service_steps', 'rescue_password', 'disable_ramdisk', 'runbook']);
  const unknown = Object.keys(body).filter((k) => !allowed.has(k));
  if (unknown.length > 0) throw new InvalidParameterValue(`Unknown field(s) in provision request: ${unknown.join(', ')}.`);

  if (node.maintenance && (event === 'deploy' || event === 'rebuild')) {
    throw new NodeInMaintenance(`The provisioning operation can't be performed on node ${node.uuid} because it's in maintenance mode.`);
  }
  let actionable = canFire(node.provision_state, event);
  // abort of a deploy waiting for its agent exists since 1.110; abort of inspect wait since 1.41
  if (event === 'abort' && node.provision_state === ProvisionState.waitCallBack && minor < 110) actionable = false;
  if (!actionable) {
    if (node.reservation) throw nodeLocked(node.uuid, node.reservation);
    throw invalidTransition(verb, node.uuid, node.provision_state);
  }
  if (tooNew) throw new NotAcceptable(`The "${verb}" provision action requires API version 1.${VERB_MIN_VERSIONS[verb]} or later.`);

  const req: ProvisionRequest = { verb, event };
  if (body.configdrive !== undefined && body.configdrive !== null) {
    if (event !== 'deploy' && !(event === 'rebuild' && minor >= 35)) {
      throw new InvalidParameterValue('Adding a config drive is only supported when setting provision state to active or rebuild');
    }
    if (typeof body.configdrive === 'string') {
      // A config drive is a URL to fetch, or the gzipped image itself in base64.
      if (!body.configdrive.includes('://') && !/^[A-Za-z0-9+/=\s]*$/.test(body.configdrive)) {
        throw new InvalidParameterValue('Invalid configdrive: expected a URL or base64-encoded data');
      }
      req.configdrive = body.configdrive;
    }
    else if (isObject(body.configdrive) && minor >= 56) {
      const keys = minor >= 59 ? ['meta_data', 'network_data', 'user_data', 'vendor_data'] : ['meta_data', 'network_data', 'user_data'];
      const extra = Object.keys(body.configdrive).filter((k) => !keys.includes(k));
      if (extra.length > 0) throw new InvalidParameterValue(`Invalid configdrive keys: ${extra.join(', ')}`);
      req.configdrive = body.configdrive;
    } else {
      throw new InvalidParameterValue('Invalid configdrive format: expected a string' + (minor >= 56 ? ' or an object' : ''));
    }
  }
  if (body.clean_steps !== undefined) {
    if (event !== 'clean') {
      throw new InvalidParameterValue('"clean_steps" is only valid when setting target provision state to clean');
    }
    req.clean_steps = stepList('clean_steps', body.clean_steps, false);
    if (req.clean_steps.length === 0 && body.runbook === undefined) {
      throw new InvalidParameterValue('"clean_steps" must name at least one step for manual cleaning');
    }
  } else if (event === 'clean' && body.runbook === undefined) {
    throw new InvalidParameterValue('"clean_steps" is required when setting target provision state to clean');
  }
  if (body.deploy_steps !== undefined) {
    if (minor < 69) throw new NotAcceptable('"deploy_steps" requires API version 1.69 or later.');
    if (event !== 'deploy' && event !== 'rebuild') {
      throw new InvalidParameterValue('"deploy_steps" is only valid when setting target provision state to active or rebuild');
    }
    req.deploy_steps = stepList('deploy_steps', body.deploy_steps, true);
  }
  if (body.service_steps !== undefined) {
    if (event !== 'service') throw new InvalidParameterValue('"service_steps" is only valid when setting target provision state to service');
    req.service_steps = stepList('service_steps', body.service_steps, false);
  } else if (event === 'service') {
    throw new InvalidParameterValue('"service_steps" is required when setting target provision state to service');
  }
  if (event === 'rescue') {
    if (typeof body.rescue_password !== 'string' || body.rescue_password.trim() === '') {
      throw new InvalidParameterValue('A non-empty "rescue_password" is required when setting target provision state to rescue');
    }
    req.rescue_password = body.rescue_password;
  } else if (body.rescue_password !== undefined) {
    throw new InvalidParameterValue('"rescue_password" is only valid when setting target provision state to rescue');
  }
  if (body.disable_ramdisk !== undefined) {
    if (minor < 70) throw new NotAcceptable('"disable_ramdisk" requires API version 1.70 or later.');
    if (event !== 'clean' && event !== 'service') {
      throw new InvalidParameterValue('"disable_ramdisk" can only be used with manual cleaning or servicing');
    }
    if (typeof body.disable_ramdisk !== 'boolean') throw new InvalidParameterValue('"disable_ramdisk" must be a boolean');
    req.disable_ramdisk = body.disable_ramdisk;
  }
  if (body.runbook !== undefined) throw new NotAcceptable('"runbook" requires API version 1.92 or later.');
  // Ironic checks this after the state and the fields: aborting an inspection that waits came with 1.41.
  if (event === 'abort' && node.provision_state === ProvisionState.inspectWait && minor < 41) {
    throw new NotAcceptable('Aborting an inspection requires API version 1.41 or later.');
  }
  return req;
}
