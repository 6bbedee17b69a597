// The two routing errors every handler needs, with the Redfish body clients expect.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { sendError } from './http-kit.js';
import { simpleError } from './redfish-errors.js';

export function notFound(req: IncomingMessage, res: ServerResponse): void {
  sendError(res, 404, simpleError('ResourceMissingAtURI', [pathOf(req)]));
}

export function methodNotAllowed(req: IncomingMessage, res: ServerResponse, allow: string): void {
  const detail = `The method ${req.method ?? ''} is not allowed for the resource at ${pathOf(req)}.`;
  sendError(res, 405, simpleError('GeneralError', [detail]), { Allow: allow });
}

function pathOf(req: IncomingMessage): string {
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  return q < 0 ? url : url.slice(0, q);
}
