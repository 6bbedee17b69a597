// Service-wide resources: the ServiceRoot, the Systems/Managers/Chassis collections, sessions and tasks.
// None of these belong to one server, so per-server faults never touch them.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { HttpError, readJsonObject, sendEmpty, sendJson, sendRaw } from './http-kit.js';
import type { LabRuntime } from './lab-runtime.js';
import { message, simpleError } from './redfish-errors.js';
import { methodNotAllowed, notFound } from './route-errors.js';
import type { Session } from './sessions.js';
import type { LabTask } from './tasks.js';

const ref = (id: string) => ({ '@odata.id': id });
const SESSIONS = '/redfish/v1/SessionService/Sessions';
const TASKS = '/redfish/v1/TaskService/Tasks';

export function serviceRoot(rt: LabRuntime): object {
  return {
    '@odata.id': '/redfish/v1/',
    '@odata.type': '#ServiceRoot.v1_5_0.ServiceRoot',
    Id: 'RootService',
    Name: 'Ferrite Lab Redfish Service',
    RedfishVersion: '1.6.0',
    UUID: rt.serviceUuid,
    Vendor: 'Ferrite',
    Product: 'Ferrite Lab',
    Systems: ref('/redfish/v1/Systems'),
    Managers: ref('/redfish/v1/Managers'),
    Chassis: ref('/redfish/v1/Chassis'),
    SessionService: ref('/redfish/v1/SessionService'),
    TaskService: ref('/redfish/v1/TaskService'),
    // The schema's name for the TaskService link (sushy looks for it); TaskService above is kept for older readers.
    Tasks: ref('/redfish/v1/TaskService'),
    Links: { Sessions: ref(SESSIONS) },
  };
}

export function collectionJson(path: string, type: string, name: string, members: string[]): string {
  return JSON.stringify({
    '@odata.id': path,
    '@odata.type': `#${type}.${type}`,
    Name: name,
    Members: members.map(ref),
    'Members@odata.count': members.length,
  });
}

function sessionView(s: Session): object {
  return {
    '@odata.id': `${SESSIONS}/${s.id}`,
    '@odata.type': '#Session.v1_1_0.Session',
    Id: s.id,
    Name: 'User Session',
    UserName: s.user,
  };
}

export function taskView(t: LabTask): object {
  return {
    '@odata.id': `${TASKS}/${t.id}`,
    '@odata.type': '#Task.v1_4_3.Task',
    Id: t.id,
    Name: t.name,
    TaskState: t.state,
    TaskStatus: t.state === 'Exception' ? 'Critical' : 'OK',
    PercentComplete: t.percent,
    StartTime: t.startTime,
    ...(t.endTime !== undefined ? { EndTime: t.endTime } : {}),
    TaskMonitor: `${TASKS}/${t.id}`,
    Messages: t.messages.map((m) => ({ ...message(t.state === 'Exception' ? 'GeneralError' : 'Success', []), Message: m })),
  };
}

/** POST to the Sessions collection: the one Redfish request besides the ServiceRoot that needs no credentials. */
export async function createSession(rt: LabRuntime, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const body = await readJsonObject(req);
  if (body.UserName !== rt.username || body.Password !== rt.password) {
    throw new HttpError(401, simpleError('NoValidSession'));
  }
  const s = rt.sessions.create(rt.username);
  sendJson(res, 201, sessionView(s), { 'X-Auth-Token': s.token, Location: `${SESSIONS}/${s.id}` });
}

/** Everything under /redfish/v1 that is not a server's; the caller has authenticated the request. */
export async function handleService(rt: LabRuntime, segs: string[], req: IncomingMessage, res: ServerResponse): Promise<void> {
  const method = req.method ?? 'GET';
  const [top, sub, id, extra] = segs;
  if (extra !== undefined) return notFound(req, res);
  if ((top === 'Systems' || top === 'Managers' || top === 'Chassis') && sub === undefined) {
    if (method !== 'GET') return methodNotAllowed(req, res, 'GET');
    return sendRaw(res, 200, rt.collectionJson[top]);
  }
  if (top === 'SessionService') {
    if (sub === undefined) {
      if (method === 'GET') return sendJson(res, 200, sessionServiceView(rt));
      if (method === 'PATCH') return patchSessionService(rt, req, res);
      return methodNotAllowed(req, res, 'GET, PATCH');
    }
    if (sub !== 'Sessions') return notFound(req, res);
    if (id === undefined) {
      if (method !== 'GET') return methodNotAllowed(req, res, 'GET, POST');
      const members = rt.sessions.list().map((s) => `${SESSIONS}/${s.id}`);
      return sendRaw(res, 200, collectionJson(SESSIONS, 'SessionCollection', 'Session Collection', members));
    }
    const session = rt.sessions.get(id);
    if (session === undefined) return notFound(req, res);
    if (method === 'GET') return sendJson(res, 200, sessionView(session));
    if (method === 'DELETE') {
      rt.sessions.delete(id);
      return sendEmpty(res, 204);
    }
    return methodNotAllowed(req, res, 'GET, DELETE');
  }
  if (top === 'TaskService') {
    if (method !== 'GET') return methodNotAllowed(req, res, 'GET');
    if (sub === undefined) {
      return sendJson(res, 200, {
        '@odata.id': '/redfish/v1/TaskService',
        '@odata.type': '#TaskService.v1_1_3.TaskService',
        Id: 'TaskService',
        Name: 'Task Service',
        ServiceEnabled: true,
        CompletedTaskOverWritePolicy: 'Oldest',
        LifeCycleEventOnTaskStateChange: false,
        Status: { State: 'Enabled', Health: 'OK' },
        Tasks: ref(TASKS),
      });
    }
    if (sub !== 'Tasks') return notFound(req, res);
    if (id === undefined) {
      const members = rt.tasks.list().map((t) => `${TASKS}/${t.id}`);
      return sendRaw(res, 200, collectionJson(TASKS, 'TaskCollection', 'Task Collection', members));
    }
    const task = rt.tasks.get(id);
    if (task === undefined) return notFound(req, res);
    // Task monitor semantics: 202 while the task runs, then 200 with the finished task.
    const done = task.state === 'Completed' || task.state === 'Exception';
    return sendJson(res, done ? 200 : 202, taskView(task), done ? undefined : { Location: `${TASKS}/${task.id}` });
  }
  notFound(req, res);
}

function sessionServiceView(rt: LabRuntime): object {
  return {
    '@odata.id': '/redfish/v1/SessionService',
    '@odata.type': '#SessionService.v1_1_4.SessionService',
    Id: 'SessionService',
    Name: 'Session Service',
    ServiceEnabled: true,
    SessionTimeout: rt.sessions.timeoutSec,
    Status: { State: 'Enabled', Health: 'OK' },
    Sessions: ref(SESSIONS),
  };
}

/** SessionTimeout is writable so tests can watch a session expire without waiting ten minutes. */
async function patchSessionService(rt: LabRuntime, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const body = await readJsonObject(req);
  for (const [k, v] of Object.entries(body)) {
    if (k !== 'SessionTimeout') {
      const known = k in sessionServiceView(rt);
      throw new HttpError(400, simpleError(known ? 'PropertyNotWritable' : 'PropertyUnknown', [k]));
    }
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > 86400) {
      throw new HttpError(400, simpleError('PropertyValueNotInList', [v, k]));
    }
  }
  if (typeof body.SessionTimeout === 'number') rt.sessions.timeoutSec = body.SessionTimeout;
  sendJson(res, 200, sessionServiceView(rt));
}
