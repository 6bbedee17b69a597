// Handlers for /redfish/v1/Systems/<id>/…: reading the System and its parts, PATCHing boot settings with ETag
// preconditions, power actions, and the BIOS settings workflow (pending until the next boot).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { checkBiosAttributes } from './bios-attributes.js';
import { HttpError, ifMatchSatisfied, readJsonObject, sendEmpty, sendJson, sendRaw, withEtag } from './http-kit.js';
import type { LabRuntime } from './lab-runtime.js';
import type { BootEnabled, BootMode, BootTarget, IndicatorLed } from './lab-types.js';
import { errorBody, message, simpleError, type ExtendedInfo } from './redfish-errors.js';
import { methodNotAllowed, notFound } from './route-errors.js';
import { BOOT_ENABLED, BOOT_MODES, BOOT_TARGETS, INDICATOR_LEDS, biosSettingsView, biosView, systemSubresource, systemView } from './system-views.js';
import { taskView } from './service-routes.js';
import { RESET_TYPES, type ResetType, type VirtualServer } from './virtual-server.js';

export async function handleSystem(rt: LabRuntime, s: VirtualServer, rest: string[], req: IncomingMessage, res: ServerResponse): Promise<void> {
  const method = req.method ?? 'GET';
  const key = rest.join('/');
  switch (key) {
    case '':
      if (method === 'GET') return sendSystem(s, res, 200);
      if (method === 'PATCH') return patchSystem(s, req, res);
      return methodNotAllowed(req, res, 'GET, PATCH');
    case 'Actions/ComputerSystem.Reset':
      if (method !== 'POST') return methodNotAllowed(req, res, 'POST');
      return resetAction(s, req, res);
    case 'Bios':
      if (method !== 'GET') return methodNotAllowed(req, res, 'GET');
      return sendJson(res, 200, biosView(s));
    case 'Bios/Settings':
      if (method === 'GET') return sendJson(res, 200, biosSettingsView(s));
      if (method === 'PATCH') return patchBiosSettings(s, req, res);
      return methodNotAllowed(req, res, 'GET, PATCH');
    case 'Bios/Actions/Bios.ResetBios': {
      if (method !== 'POST') return methodNotAllowed(req, res, 'POST');
      await readJsonObject(req);
      const task = rt.tasks.start(`Bios.ResetBios of ${s.rec.name}`, rt.settings.powerDelayMs, () => s.resetBiosToDefaults());
      const location = `/redfish/v1/TaskService/Tasks/${task.id}`;
      return sendJson(res, 202, taskView(task), { Location: location });
    }
  }
  const view = systemSubresource(s, rest);
  if (view === undefined) return notFound(req, res);
  if (method !== 'GET') return methodNotAllowed(req, res, 'GET');
  sendJson(res, 200, view);
}

function sendSystem(s: VirtualServer, res: ServerResponse, status: number): void {
  const { json, etag } = withEtag(systemView(s));
  sendRaw(res, status, json, { ETag: etag });
}

const SYSTEM_WRITABLE = new Set(['Boot', 'IndicatorLED', 'AssetTag']);

function checkEnum(problems: ExtendedInfo[], value: unknown, allowed: readonly string[], property: string): void {
  if (typeof value !== 'string') problems.push(message('PropertyValueTypeError', [value, property]));
  else if (!allowed.includes(value)) problems.push(message('PropertyValueNotInList', [value, property]));
}

async function patchSystem(s: VirtualServer, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const body = await readJsonObject(req);
  const current = systemView(s) as Record<string, unknown>;
  const { etag } = withEtag(current);
  const ifMatch = req.headers['if-match'];
  if (!ifMatchSatisfied(ifMatch, etag)) throw new HttpError(412, simpleError('PreconditionFailed'));

  const problems: ExtendedInfo[] = [];
  const readOnlyBoot = current.Boot as Record<string, unknown>;
  for (const [k, v] of Object.entries(body)) {
    if (k === '@odata.etag') continue; // clients echo it back; it says nothing new
    if (!SYSTEM_WRITABLE.has(k)) {
      problems.push(message(Object.hasOwn(current, k) ? 'PropertyNotWritable' : 'PropertyUnknown', [k]));
    } else if (k === 'Boot') {
      if (v === null || typeof v !== 'object' || Array.isArray(v)) {
        problems.push(message('PropertyValueTypeError', [v, 'Boot']));
        continue;
      }
      for (const [bk, bv] of Object.entries(v as Record<string, unknown>)) {
        if (bk === 'BootSourceOverrideTarget') checkEnum(problems, bv, BOOT_TARGETS, bk);
        else if (bk === 'BootSourceOverrideEnabled') checkEnum(problems, bv, BOOT_ENABLED, bk);
        else if (bk === 'BootSourceOverrideMode') checkEnum(problems, bv, BOOT_MODES, bk);
        else problems.push(message(Object.hasOwn(readOnlyBoot, bk) ? 'PropertyNotWritable' : 'PropertyUnknown', [`Boot/${bk}`]));
      }
    } else if (k === 'IndicatorLED') {
      checkEnum(problems, v, INDICATOR_LEDS, k);
    } else if (k === 'AssetTag') {
      if (typeof v !== 'string') problems.push(message('PropertyValueTypeError', [v, k]));
      else if (v.length > 64) problems.push(message('PropertyValueNotInList', [v, k]));
    }
  }
  if (problems.length > 0) throw new HttpError(400, errorBody(problems));

  const r = s.rec;
  const boot = body.Boot as Record<string, unknown> | undefined;
  if (boot) {
    if (boot.BootSourceOverrideTarget !== undefined) r.boot.target = boot.BootSourceOverrideTarget as BootTarget | 'None';
    if (boot.BootSourceOverrideEnabled !== undefined) r.boot.enabled = boot.BootSourceOverrideEnabled as BootEnabled;
    if (boot.BootSourceOverrideMode !== undefined) s.setBootMode(boot.BootSourceOverrideMode as BootMode);
    s.console(`BMC: boot override ${r.boot.target} (${r.boot.enabled}, ${r.boot.mode})`);
  }
  if (body.IndicatorLED !== undefined) r.indicatorLed = body.IndicatorLED as IndicatorLed;
  if (body.AssetTag !== undefined) r.assetTag = body.AssetTag as string;
  s.touch();
  sendSystem(s, res, 200);
}

async function resetAction(s: VirtualServer, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const body = await readJsonObject(req);
  const type = body.ResetType;
  if (type === undefined) throw new HttpError(400, simpleError('ActionParameterMissing', ['ComputerSystem.Reset', 'ResetType']));
  if (typeof type !== 'string' || !(RESET_TYPES as readonly string[]).includes(type)) {
    throw new HttpError(400, simpleError('ActionParameterValueNotInList', [type, 'ResetType']));
  }
  s.reset(type as ResetType);
  sendEmpty(res, 204);
}

async function patchBiosSettings(s: VirtualServer, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const body = await readJsonObject(req);
  const problems: ExtendedInfo[] = [];
  for (const k of Object.keys(body)) {
    if (k !== 'Attributes' && k !== '@Redfish.SettingsApplyTime') problems.push(message('PropertyUnknown', [k]));
  }
  const attrs = body.Attributes;
  if (attrs === undefined) problems.push(message('PropertyMissing', ['Attributes']));
  else if (attrs === null || typeof attrs !== 'object' || Array.isArray(attrs)) problems.push(message('PropertyValueTypeError', [attrs, 'Attributes']));
  else problems.push(...checkBiosAttributes(attrs as Record<string, unknown>));
  if (problems.length > 0) throw new HttpError(400, errorBody(problems));
  Object.assign(s.rec.bios.pending, attrs);
  s.console(`BIOS: pending settings ${Object.keys(attrs as object).join(', ')}`);
  s.touch();
  sendJson(res, 200, biosSettingsView(s));
}
