// Injected BMC misbehaviour. A server's faults apply to requests under its System, Manager and Chassis only, so a
// test can break one BMC and watch a client carry on with the others.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { sendError } from './http-kit.js';
import type { LabFaults } from './lab-types.js';
import { simpleError } from './redfish-errors.js';
import type { VirtualServer } from './virtual-server.js';

export const BASIC_CHALLENGE = { 'WWW-Authenticate': 'Basic realm="ferrite-lab"' };

/** Validates an admin PUT body; returns the faults or a message saying what is wrong. */
export function parseFaults(body: Record<string, unknown>): LabFaults | string {
  const f: LabFaults = {};
  for (const [k, v] of Object.entries(body)) {
    switch (k) {
      case 'latencyMs':
      case 'retryAfter':
        if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) return `${k} must be a non-negative number`;
        f[k] = v;
        break;
      case 'status':
        if (typeof v !== 'number' || !Number.isInteger(v) || v < 400 || v > 599) return 'status must be an HTTP error status (400-599)';
        f.status = v;
        break;
      case 'hang':
      case 'wrongCredentials':
      case 'refused':
        if (typeof v !== 'boolean') return `${k} must be a boolean`;
        f[k] = v;
        break;
      case 'bmcReboot': {
        const seconds = (v as { seconds?: unknown } | null)?.seconds;
        if (typeof seconds !== 'number' || !Number.isFinite(seconds) || seconds < 0) return 'bmcReboot must be {"seconds": <number>}';
        f.bmcReboot = { seconds };
        break;
      }
      default:
        return `unknown fault ${k}`;
    }
  }
  return f;
}

export function setFaults(s: VirtualServer, faults: LabFaults): void {
  s.faults = faults;
  if (faults.bmcReboot) {
    // Sessions die with the BMC: anything issued before it is back up is not honoured afterwards.
    s.rebootUntil = Date.now() + faults.bmcReboot.seconds * 1000;
    s.tokensValidAfter = s.rebootUntil;
    s.console(`BMC: rebooting for ${faults.bmcReboot.seconds} s`);
  } else s.rebootUntil = 0;
}

/**
 * Applies the server's faults to a request. Resolves true when the request should be handled normally, false when
 * the fault has dealt with it (answered, refused, or left hanging until the client or the lab gives up).
 */
export async function passFaults(s: VirtualServer, req: IncomingMessage, res: ServerResponse): Promise<boolean> {
  const f = s.faults;
  if (f.refused || Date.now() < s.rebootUntil) {
    refuse(req);
    return false;
  }
  if (f.hang) return false;
  if (f.latencyMs !== undefined && f.latencyMs > 0) {
    await new Promise((resolve) => setTimeout(resolve, f.latencyMs));
    if (res.destroyed) return false;
  }
  if (f.status !== undefined) {
    const headers = f.retryAfter !== undefined ? { 'Retry-After': String(Math.ceil(f.retryAfter)) } : undefined;
    const body = f.status === 503
      ? simpleError('ServiceTemporarilyUnavailable', [String(Math.ceil(f.retryAfter ?? 0))])
      : f.status >= 500 ? simpleError('InternalError') : simpleError('GeneralError', [`Injected fault: HTTP ${f.status}.`]);
    sendError(res, f.status, body, headers);
    return false;
  }
  if (f.wrongCredentials) {
    sendError(res, 401, simpleError('NoValidSession'), BASIC_CHALLENGE);
    return false;
  }
  return true;
}

/** A TCP reset where Node can send one (plain HTTP); over TLS the socket can only be closed abruptly. */
function refuse(req: IncomingMessage): void {
  try {
    req.socket.resetAndDestroy();
  } catch {
    req.socket.destroy();
  }
}
