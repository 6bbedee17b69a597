// Handlers for a server's BMC (/Managers/<id>, with its virtual media) and its enclosure (/Chassis/<id>).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { HttpError, readJsonObject, sendEmpty, sendJson } from './http-kit.js';
import { errorBody, message, simpleError, type ExtendedInfo } from './redfish-errors.js';
import { methodNotAllowed, notFound } from './route-errors.js';
import type { MediaSlotName, VirtualServer } from './virtual-server.js';

const ref = (id: string) => ({ '@odata.id': id });
const ok = { State: 'Enabled', Health: 'OK' };

const SLOTS: Record<MediaSlotName, { name: string; mediaTypes: string[] }> = {
  Cd: { name: 'Virtual CD', mediaTypes: ['CD', 'DVD'] },
  Floppy: { name: 'Virtual Removable Media', mediaTypes: ['Floppy', 'USBStick'] },
};

function isSlot(name: string | undefined): name is MediaSlotName {
  return name === 'Cd' || name === 'Floppy';
}

const managerPath = (s: VirtualServer) => `/redfish/v1/Managers/${s.rec.uuid}`;

function managerView(s: VirtualServer): object {
  const p = managerPath(s);
  return {
    '@odata.id': p,
    '@odata.type': '#Manager.v1_5_0.Manager',
    Id: s.rec.uuid,
    Name: `BMC of ${s.rec.name}`,
    ManagerType: 'BMC',
    Manufacturer: 'Ferrite Lab',
    Model: 'Ferrite Lab BMC',
    FirmwareVersion: '1.0.0',
    PowerState: 'On',
    Status: ok,
    VirtualMedia: ref(`${p}/VirtualMedia`),
    Links: {
      ManagerForServers: [ref(s.systemPath)],
      ManagerForChassis: [ref(`/redfish/v1/Chassis/${s.rec.uuid}`)],
    },
  };
}

function virtualMediaView(s: VirtualServer, slot: MediaSlotName): object {
  const p = `${managerPath(s)}/VirtualMedia/${slot}`;
  const m = s.rec.virtualMedia[slot];
  const imageName = m.image === '' ? '' : (m.image.split('?')[0]?.split('/').pop() ?? '');
  return {
    '@odata.id': p,
    '@odata.type': '#VirtualMedia.v1_3_0.VirtualMedia',
    Id: slot,
    Name: SLOTS[slot].name,
    MediaTypes: SLOTS[slot].mediaTypes,
    Image: m.image,
    ImageName: imageName,
    Inserted: m.inserted,
    WriteProtected: m.writeProtected,
    ConnectedVia: m.inserted ? 'URI' : 'NotConnected',
    TransferProtocolType: m.inserted ? transferProtocol(m.image) : null,
    Actions: {
      '#VirtualMedia.InsertMedia': { target: `${p}/Actions/VirtualMedia.InsertMedia` },
      '#VirtualMedia.EjectMedia': { target: `${p}/Actions/VirtualMedia.EjectMedia` },
    },
  };
}

function transferProtocol(url: string): string | null {
  const scheme = /^([a-z]+):/i.exec(url)?.[1]?.toUpperCase();
  return scheme === 'HTTP' || scheme === 'HTTPS' || scheme === 'NFS' || scheme === 'CIFS' ? scheme : null;
}

export async function handleManager(s: VirtualServer, rest: string[], req: IncomingMessage, res: ServerResponse): Promise<void> {
  const method = req.method ?? 'GET';
  const [part, slot, actions, action, extra] = rest;
  if (part === undefined) {
    if (method !== 'GET') return methodNotAllowed(req, res, 'GET');
    return sendJson(res, 200, managerView(s));
  }
  if (part !== 'VirtualMedia' || extra !== undefined) return notFound(req, res);
  if (slot === undefined) {
    if (method !== 'GET') return methodNotAllowed(req, res, 'GET');
    const members = (['Cd', 'Floppy'] as const).map((m) => ref(`${managerPath(s)}/VirtualMedia/${m}`));
    return sendJson(res, 200, {
      '@odata.id': `${managerPath(s)}/VirtualMedia`,
      '@odata.type': '#VirtualMediaCollection.VirtualMediaCollection',
      Name: 'Virtual Media Services',
      Members: members,
      'Members@odata.count': members.length,
    });
  }
  if (!isSlot(slot)) return notFound(req, res);
  if (actions === undefined) {
    if (method === 'GET') return sendJson(res, 200, virtualMediaView(s, slot));
    if (method === 'PATCH') return patchMedia(s, slot, req, res);
    return methodNotAllowed(req, res, 'GET, PATCH');
  }
  if (actions !== 'Actions' || (action !== 'VirtualMedia.InsertMedia' && action !== 'VirtualMedia.EjectMedia')) return notFound(req, res);
  if (method !== 'POST') return methodNotAllowed(req, res, 'POST');
  const body = await readJsonObject(req);
  if (action === 'VirtualMedia.EjectMedia') {
    s.ejectMedia(slot);
    return sendEmpty(res, 204);
  }
  const image = body.Image;
  if (image === undefined) throw new HttpError(400, simpleError('ActionParameterMissing', ['VirtualMedia.InsertMedia', 'Image']));
  if (typeof image !== 'string' || image === '') throw new HttpError(400, simpleError('ActionParameterValueTypeError', [image, 'Image']));
  for (const flag of ['Inserted', 'WriteProtected'] as const) {
    if (body[flag] !== undefined && typeof body[flag] !== 'boolean') {
      throw new HttpError(400, simpleError('ActionParameterValueTypeError', [body[flag], flag]));
    }
  }
  // Real BMCs differ here; refusing makes a client that forgets to eject first find out.
  if (s.rec.virtualMedia[slot].inserted) throw new HttpError(409, simpleError('ResourceInUse'));
  if (body.Inserted === false) {
    s.rec.virtualMedia[slot] = { image, inserted: false, writeProtected: body.WriteProtected !== false };
    s.touch();
  } else s.insertMedia(slot, image, body.WriteProtected !== false);
  sendEmpty(res, 204);
}

/** The pre-action way of (un)mounting an image, which older BMCs offer and sushy falls back to. */
async function patchMedia(s: VirtualServer, slot: MediaSlotName, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const body = await readJsonObject(req);
  const problems: ExtendedInfo[] = [];
  for (const [k, v] of Object.entries(body)) {
    if (k === 'Image') {
      if (v !== null && typeof v !== 'string') problems.push(message('PropertyValueTypeError', [v, k]));
    } else if (k === 'Inserted' || k === 'WriteProtected') {
      if (typeof v !== 'boolean') problems.push(message('PropertyValueTypeError', [v, k]));
    } else if (k === 'TransferProtocolType' || k === 'TransferMethod' || k === 'UserName' || k === 'Password') {
      // accepted and ignored: the lab never fetches the image
    } else {
      problems.push(message(k in virtualMediaView(s, slot) ? 'PropertyNotWritable' : 'PropertyUnknown', [k]));
    }
  }
  if (problems.length > 0) throw new HttpError(400, errorBody(problems));
  const image = typeof body.Image === 'string' ? body.Image : body.Image === null ? '' : s.rec.virtualMedia[slot].image;
  const inserted = typeof body.Inserted === 'boolean' ? body.Inserted : image !== '';
  if (inserted && image !== '') s.insertMedia(slot, image, body.WriteProtected !== false);
  else s.ejectMedia(slot);
  sendJson(res, 200, virtualMediaView(s, slot));
}

export function handleChassis(s: VirtualServer, rest: string[], req: IncomingMessage, res: ServerResponse): void {
  if (rest.length > 0) return notFound(req, res);
  if (req.method !== 'GET') return methodNotAllowed(req, res, 'GET');
  sendJson(res, 200, {
    '@odata.id': `/redfish/v1/Chassis/${s.rec.uuid}`,
    '@odata.type': '#Chassis.v1_10_0.Chassis',
    Id: s.rec.uuid,
    Name: `Chassis of ${s.rec.name}`,
    ChassisType: 'RackMount',
    Manufacturer: 'Ferrite Lab',
    Model: 'Virtual Chassis',
    SerialNumber: `FLC${String(s.rec.index).padStart(8, '0')}`,
    PowerState: s.rec.power === 'on' ? 'On' : 'Off',
    IndicatorLED: s.rec.indicatorLed,
    Status: ok,
    Links: {
      ComputerSystems: [ref(s.systemPath)],
      ManagedBy: [ref(managerPath(s))],
    },
  });
}
