import type { FastifyInstance } from 'fastify';
import type { ApiDeps } from '../app.js';

// PLACEHOLDER: being written; replaced by the real module.
export function registerPortgroups(_app: FastifyInstance, _deps: ApiDeps): void {}
