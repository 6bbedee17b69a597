import type { FastifyReply, FastifyRequest } from 'fastify';
import {
  MAX_MINOR, MAX_VERSION, MIN_VERSION, baremetalFromOpenStackHeader, parseRequestedVersion, versionString,
} from '../domain/api-version.js';
import { httpErrorBody } from './error-body.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The negotiated microversion's minor number. */
    minor: number;
  }
}

const RANGE = `The supported version range is: [${MIN_VERSION}, ${MAX_VERSION}].`;

/**
 * Negotiates the microversion of a request (`X-OpenStack-Ironic-API-Version` or `OpenStack-API-Version:
 * baremetal 1.x`), answers 406 outside the supported range, and sets the version headers Ironic sets.
 */
export async function negotiateVersion(request: FastifyRequest, reply: FastifyReply): Promise<void> {
  void reply.header('X-OpenStack-Ironic-API-Minimum-Version', MIN_VERSION);
  void reply.header('X-OpenStack-Ironic-API-Maximum-Version', MAX_VERSION);
  const legacy = request.headers['x-openstack-ironic-api-version'];
  const modern = request.headers['openstack-api-version'];
  // The standard header wins over the legacy one, as in Ironic.
  let raw = typeof modern === 'string' ? baremetalFromOpenStackHeader(modern) : undefined;
  if (raw === undefined && typeof legacy === 'string') raw = legacy;
  const parsed = parseRequestedVersion(raw);
  if (parsed.kind !== 'ok') {
    const description = parsed.kind === 'malformed'
      ? `Invalid value for X-OpenStack-Ironic-API-Version header: ${parsed.value}`
      : parsed.kind === 'unsupported-major'
        ? `Mutually exclusive versions requested. Version ${parsed.value} requested but not supported by this service. ${RANGE}`
        : `Version ${parsed.value} was requested but the minor version is not supported by this service. ${RANGE}`;
    return reply.code(406).type('application/json').send(httpErrorBody(406, 'Not Acceptable', description));
  }
  request.minor = parsed.minor;
  void reply.header('X-OpenStack-Ironic-API-Version', versionString(parsed.minor));
  if (raw !== undefined || request.headers['openstack-api-version'] !== undefined) {
    void reply.header('OpenStack-API-Version', `baremetal ${versionString(parsed.minor)}`);
  }
}

export { MAX_MINOR };
