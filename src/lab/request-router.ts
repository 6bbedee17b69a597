// The lab's single request handler. No web framework: the route table is a few fixed path shapes, and plain
// node:http lets faults do what a framework would hide (destroy the socket, never answer), with less per-request
// allocation when a benchmark hammers 10,000 Systems.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { handleAdmin } from './admin-api.js';
import { BASIC_CHALLENGE, passFaults } from './faults.js';
import { HttpError, sendError, sendJson, sendRaw } from './http-kit.js';
import type { LabRuntime } from './lab-runtime.js';
import { handleChassis, handleManager } from './manager-routes.js';
import { METADATA_DOCUMENT, ODATA_SERVICE_DOCUMENT } from './odata-documents.js';
import { simpleError } from './redfish-errors.js';
import { methodNotAllowed, notFound } from './route-errors.js';
import { createSession, handleService, serviceRoot } from './service-routes.js';
import { handleSystem } from './system-routes.js';
import type { VirtualServer } from './virtual-server.js';

export function createRequestHandler(rt: LabRuntime): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    route(rt, req, res).catch((e: unknown) => {
      if (e instanceof HttpError) return sendError(res, e.status, e.body, e.headers);
      rt.log(`internal error on ${req.method} ${req.url}: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
      sendError(res, 500, simpleError('InternalError'));
    });
  };
}

async function route(rt: LabRuntime, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  const path = q < 0 ? url : url.slice(0, q);
  // Empty segments are dropped, so trailing slashes (and doubled ones) name the same resource.
  const segs = path.split('/').filter((p) => p !== '').map(safeDecode);
  if (segs[0] === 'lab') return handleAdmin(rt, segs, req, res);
  if (segs[0] !== 'redfish') return notFound(req, res);
  const method = req.method ?? 'GET';
  if (segs.length === 1) {
    if (method !== 'GET' && method !== 'HEAD') return methodNotAllowed(req, res, 'GET');
    return sendJson(res, 200, { v1: '/redfish/v1/' });
  }
  if (segs[1] !== 'v1') return notFound(req, res);
  if (segs.length === 2) {
    if (method !== 'GET' && method !== 'HEAD') return methodNotAllowed(req, res, 'GET');
    return sendJson(res, 200, serviceRoot(rt));
  }
  if (segs.length === 3 && (segs[2] === 'odata' || segs[2] === '$metadata')) {
    // DSP0266: both documents are served to anyone, like the ServiceRoot.
    if (method !== 'GET' && method !== 'HEAD') return methodNotAllowed(req, res, 'GET');
    if (segs[2] === 'odata') return sendRaw(res, 200, ODATA_SERVICE_DOCUMENT);
    return sendRaw(res, 200, METADATA_DOCUMENT, undefined, 'application/xml; charset=utf-8');
  }
  const rest = segs.slice(2);
  const [top, id] = rest;
  if ((top === 'Systems' || top === 'Managers' || top === 'Chassis') && id !== undefined) {
    const s = rt.byId.get(id);
    if (s === undefined) {
      if (!authenticate(rt, req, res, undefined)) return;
      return notFound(req, res);
    }
    if (!(await passFaults(s, req, res))) return;
    if (!authenticate(rt, req, res, s)) return;
    const below = rest.slice(2);
    if (top === 'Systems') return handleSystem(rt, s, below, req, res);
    if (top === 'Managers') return handleManager(s, below, req, res);
    return handleChassis(s, below, req, res);
  }
  if (top === 'SessionService' && rest[1] === 'Sessions' && rest.length === 2 && method === 'POST') {
    return createSession(rt, req, res);
  }
  if (!authenticate(rt, req, res, undefined)) return;
  return handleService(rt, rest, req, res);
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/**
 * Accepts an X-Auth-Token of a live session or HTTP Basic credentials; otherwise answers 401. A token issued before
 * the server's BMC last rebooted is refused for that server's resources (its sessions died with the reboot).
 */
function authenticate(rt: LabRuntime, req: IncomingMessage, res: ServerResponse, s: VirtualServer | undefined): boolean {
  const token = req.headers['x-auth-token'];
  if (typeof token === 'string' && token !== '') {
    const session = rt.sessions.use(token);
    if (session !== undefined && (s === undefined || session.createdAt >= s.tokensValidAfter)) return true;
    sendError(res, 401, simpleError('NoValidSession'));
    return false;
  }
  const header = req.headers.authorization;
  if (header !== undefined && /^basic /i.test(header)) {
    const decoded = Buffer.from(header.slice(6).trim(), 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon >= 0 && decoded.slice(0, colon) === rt.username && decoded.slice(colon + 1) === rt.password) return true;
  }
  sendError(res, 401, simpleError('NoValidSession'), BASIC_CHALLENGE);
  return false;
}
