// The lab's own control API under /lab/: inspect servers, inject faults, flip the emulated OS, tune delays.
// Unauthenticated and never subject to faults, because tests need it most when the BMCs misbehave.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { parseFaults, setFaults } from './faults.js';
import { HttpError, readJsonObject, sendEmpty, sendJson } from './http-kit.js';
import type { LabRuntime } from './lab-runtime.js';
import { simpleError } from './redfish-errors.js';
import { methodNotAllowed, notFound } from './route-errors.js';

function badRequest(detail: string): HttpError {
  return new HttpError(400, simpleError('GeneralError', [detail]));
}

export async function handleAdmin(rt: LabRuntime, segs: string[], req: IncomingMessage, res: ServerResponse): Promise<void> {
  const method = req.method ?? 'GET';
  const [, top, id, part, extra] = segs; // segs[0] is 'lab'
  if (top === 'settings' && id === undefined) {
    if (method === 'GET') return sendJson(res, 200, rt.settings);
    if (method !== 'PUT') return methodNotAllowed(req, res, 'GET, PUT');
    const body = await readJsonObject(req);
    for (const [k, v] of Object.entries(body)) {
      if (k !== 'powerDelayMs' && k !== 'bootDelayMs') throw badRequest(`unknown setting ${k}`);
      if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw badRequest(`${k} must be a non-negative number`);
      rt.settings[k] = v;
    }
    rt.log(`settings: power delay ${rt.settings.powerDelayMs} ms, boot delay ${rt.settings.bootDelayMs} ms`);
    return sendJson(res, 200, rt.settings);
  }
  if (top !== 'servers' || extra !== undefined) return notFound(req, res);
  if (id === undefined) {
    if (method !== 'GET') return methodNotAllowed(req, res, 'GET');
    return sendJson(res, 200, rt.servers.map((s) => s.info()));
  }
  const s = rt.byId.get(id) ?? rt.byName.get(id);
  if (s === undefined) return notFound(req, res);
  if (part === undefined) {
    if (method !== 'GET') return methodNotAllowed(req, res, 'GET');
    return sendJson(res, 200, s.snapshot());
  }
  if (part === 'faults') {
    if (method === 'DELETE') {
      setFaults(s, {});
      rt.log(`${s.rec.name}: faults cleared`);
      return sendEmpty(res, 204);
    }
    if (method !== 'PUT') return methodNotAllowed(req, res, 'PUT, DELETE');
    const faults = parseFaults(await readJsonObject(req));
    if (typeof faults === 'string') throw badRequest(faults);
    setFaults(s, faults);
    rt.log(`${s.rec.name}: faults ${JSON.stringify(faults)}`);
    return sendJson(res, 200, s.faults);
  }
  if (part === 'os') {
    if (method !== 'POST') return methodNotAllowed(req, res, 'POST');
    const { state } = await readJsonObject(req);
    if (state !== 'running' && state !== 'off') throw badRequest('state must be "running" or "off"');
    if (state === 'running' && s.rec.power !== 'on') {
      throw new HttpError(409, simpleError('GeneralError', ['The server is powered off; no OS can run.']));
    }
    s.setOs(state);
    return sendJson(res, 200, s.snapshot());
  }
  notFound(req, res);
}
