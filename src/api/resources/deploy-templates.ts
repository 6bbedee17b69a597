import type { FastifyInstance } from 'fastify';
import type { ApiDeps } from '../app.js';

// PLACEHOLDER: being written; replaced by the real module.
export function registerDeployTemplates(_app: FastifyInstance, _deps: ApiDeps): void {}
