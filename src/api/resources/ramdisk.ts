import type { FastifyInstance, FastifyRequest } from 'fastify';
import { InvalidParameterValue, NotFound } from '../../domain/errors.js';
import type { JsonObject } from '../../domain/node.js';
import { maskInstanceInfo, maskSecrets } from '../../domain/secrets.js';
import type { ApiDeps } from '../app.js';
import { objectBody, onlyKeys } from '../body.js';
import { resourceLinks } from '../links.js';
import { isHttpUrl } from '../../domain/validation.js';

const MAC = /^([0-9a-f]{2}[:-]){5}[0-9a-f]{2}$/i;
/** The fields of a heartbeat and the minor version each appeared in. */
const HEARTBEAT_FIELDS: Record<string, number> = {
  callback_url: 22, agent_token: 22, agent_version: 36, agent_verify_ca: 68, agent_status: 72, agent_status_message: 72,
};

/**
 * The agent's endpoints (Ironic's "ramdisk" API): lookup and heartbeat. They are public — the agent has no
 * credentials of the API — so the agent token is what authenticates a heartbeat.
 */
export function registerRamdisk(app: FastifyInstance, deps: ApiDeps): void {
  const { conductor, config } = deps;
  const requireRamdiskApi = (request: FastifyRequest) => {
    if (request.minor < 22) throw new NotFound('The resource could not be found.');
  };

  app.get('/v1/lookup', async (request) => {
    requireRamdiskApi(request);
    const q = request.query as { addresses?: string; node_uuid?: string };
    // Ironic ignores malformed addresses (agents report every interface, some without a usable MAC).
    const addresses = (q.addresses ?? '').split(',').map((a) => a.trim()).filter((a) => MAC.test(a));
    if (addresses.length === 0 && !q.node_uuid) {
      throw new InvalidParameterValue('Lookup requires at least one valid MAC address in "addresses" or a "node_uuid".');
    }
    const { node, token } = await conductor.agent.lookup(addresses, q.node_uuid, config.api.restrictLookup);
    return {
      node: {
        uuid: node.uuid, properties: node.properties, instance_info: maskInstanceInfo(node.instance_info),
        driver_internal_info: maskSecrets(node.driver_internal_info),
        links: resourceLinks(deps.base(request), 'nodes', node.uuid),
      },
      config: {
        metrics: { backend: 'noop', prepend_host: false, prepend_uuid: false, prepend_host_reverse: true, global_prefix: null },
        metrics_statsd: { statsd_host: 'localhost', statsd_port: 8125 },
        heartbeat_timeout: config.api.ramdiskHeartbeatTimeout,
        agent_token: token,
        agent_token_required: true,
        agent_md5_checksum_enable: false,
        disable_deep_image_inspection: false,
        permitted_image_formats: ['raw', 'qcow2'],
      },
    };
  });

  app.post('/v1/heartbeat/:node', async (request, reply) => {
    requireRamdiskApi(request);
    const body = objectBody(request.body);
    onlyKeys(body, Object.keys(HEARTBEAT_FIELDS));
    for (const [field, since] of Object.entries(HEARTBEAT_FIELDS)) {
      if (body[field] !== undefined && request.minor < since) {
        throw new InvalidParameterValue(`Field "${field}" not recognised in this API version (it needs 1.${since}).`);
      }
      if (body[field] !== undefined && body[field] !== null && typeof body[field] !== 'string') {
        throw new InvalidParameterValue(`Field "${field}" must be a string.`);
      }
    }
    if (body.callback_url === undefined || body.callback_url === null) throw new InvalidParameterValue('Missing argument: "callback_url"');
    const callbackUrl = body.callback_url as string;
    if (callbackUrl !== '' && !isHttpUrl(callbackUrl)) throw new InvalidParameterValue(`Invalid callback_url ${callbackUrl}: it must be an http:// or https:// URL.`);
    if (!body.agent_token) throw new InvalidParameterValue('Agent token is required for heartbeat processing.');
    const text = (k: string) => (typeof body[k] === 'string' ? body[k] : undefined);
    await conductor.agent.heartbeat((request.params as { node: string }).node, {
      callbackUrl, agentToken: text('agent_token'), agentVersion: text('agent_version'), agentVerifyCa: text('agent_verify_ca'),
      agentStatus: text('agent_status'), agentStatusMessage: text('agent_status_message'),
    });
    return reply.code(202).send();
  });

  // In-band inspection data (Ironic's built-in inspection, API 1.84). It is not gated by version: agents post it
  // without a version header, and Ferrite's API range stops before 1.84.
  app.post('/v1/continue_inspection', async (request, reply) => {
    const body = objectBody(request.body);
    const node = await conductor.agent.continueInspection(body as JsonObject);
    return reply.code(202).send({ uuid: node.uuid });
  });
}

