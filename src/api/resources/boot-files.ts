import type { FastifyInstance, FastifyReply } from 'fastify';
import { TemporaryFailure } from '../../domain/errors.js';
import { BootFiles } from '../../conductor/boot-files.js';
import type { ApiDeps } from '../app.js';

/** The URL prefix of the boot files; `[deploy] http_url` points here by default. */
export const BOOT_FILES_PREFIX = '/boot/';

const TEXT = 'text/plain; charset=utf-8';
const BINARY = 'application/octet-stream';

/**
 * Ferrite's boot file server (`GET /boot/...`): what servers' firmware and the agent's boot download. Firmware has
 * no credentials and speaks no microversions, so these routes are public and plain; they serve only what
 * BootFiles renders, each under a fixed name, so no request reaches a file by its path.
 */
export function registerBootFiles(app: FastifyInstance, deps: ApiDeps): void {
  const files = new BootFiles(deps.store, deps.conductor.core.registry.bootSettings);
  const notFound = (reply: FastifyReply, what: string) => reply.code(404).type(TEXT).send(`No boot file ${what}\n`);

  app.get('/boot/boot.ipxe', async (_request, reply) => reply.type(TEXT).send(files.genericScript()));

  app.get('/boot/pxelinux.cfg/:name', async (request, reply) => {
    const { name } = request.params as { name: string };
    const text = await files.pxeConfig(name);
    return text === null ? notFound(reply, `for ${name}: no such port, or no ramdisk boot prepared for its node`) : reply.type(TEXT).send(text);
  });

  app.get('/boot/vmedia/:file', async (request, reply) => {
    const { file } = request.params as { file: string };
    const image = await files.virtualMediaImage(file);
    return image === null ? notFound(reply, `vmedia/${file}: no such node, or no virtual media boot prepared for it`) : reply.type(BINARY).send(image);
  });

  app.get('/boot/agent/kernel', async (_request, reply) => reply.type(BINARY).send(files.agentKernel()));

  app.get('/boot/agent/ramdisk', async (_request, reply) => {
    try {
      const { stream, size } = await files.agentRamdisk();
      return reply.type(BINARY).header('Content-Length', size).send(stream);
    } catch (e) {
      if (e instanceof TemporaryFailure) return reply.code(503).type(TEXT).send(`${e.message}\n`);
      throw e;
    }
  });

  app.get('/boot/*', async (_request, reply) => notFound(reply, 'here'));
}
