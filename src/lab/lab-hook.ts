// The lab's loopback hook: a plain-HTTP listener on 127.0.0.1 (random port) through which programs the lab starts reach
// their server: ipmi_sim's chassis_control program (chassis requests) and the agent's power command (`off`, `reboot`).
// It runs whether or not the lab has IPMI BMCs, because every agent gets a power command.
//
// Why a loopback HTTP hook and bash scripts, not a Node helper or a UNIX socket: ipmi_sim popen()s its chassis_control
// program for EVERY chassis status, control and boot-option request, and blocks while it runs. Starting Node per
// request costs ~40 ms of CPU; a short bash script that speaks HTTP/1.0 over bash's own /dev/tcp costs a few ms and
// needs nothing beyond Debian's base system (no curl, no socat; bash cannot open UNIX sockets by itself, which rules out
// a UNIX socket without another helper). The path carries a random per-lab token that is written only into the 0600
// hook scripts, so nothing else on the machine (any local user can reach a loopback port) can drive servers through it.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { chassisControl, IdentifyTimers } from './ipmi-chassis.js';
import { listenTracked } from './tracked-listener.js';
import type { VirtualServer } from './virtual-server.js';

export interface LabHook {
  port: number;
  token: string;
  close(): Promise<void>;
}

export async function startLabHook(byId: Map<string, VirtualServer>, log: (msg: string) => void): Promise<LabHook> {
  const token = randomBytes(24).toString('hex');
  const tokenBuf = Buffer.from(token);
  const identify = new IdentifyTimers();

  const answer = (res: ServerResponse, status: number, lines: string[]) => {
    const body = lines.map((l) => `${l}\n`).join('');
    res.writeHead(status, { 'Content-Type': 'text/plain', 'Content-Length': Buffer.byteLength(body), Connection: 'close' });
    res.end(body);
  };

  const handle = (req: IncomingMessage, res: ServerResponse) => {
    // GET /<token>/<server uuid>/<op>/<arg>/... : ipmi_sim's arguments, spaces turned into slashes by the script;
    // GET /<token>/<server uuid>/agent/off|reboot from the agent's power command.
    const [, given = '', id = '', ...args] = (req.url ?? '').split('?')[0].split('/');
    const givenBuf = Buffer.from(given);
    if (req.method !== 'GET' || givenBuf.length !== tokenBuf.length || !timingSafeEqual(givenBuf, tokenBuf)) {
      return answer(res, 403, ['forbidden']);
    }
    const s = byId.get(id);
    if (s === undefined) return answer(res, 404, [`no lab server ${id}`]);
    if (args[0] === 'agent') {
      const type = args[1] === 'off' ? 'ForceOff' : args[1] === 'reboot' ? 'ForceRestart' : undefined;
      if (type === undefined || args.length !== 2) return answer(res, 400, [`unknown power command ${args.slice(1).join(' ')}`]);
      s.reset(type, 'agent');
      return answer(res, 200, [type]);
    }
    const result = chassisControl(s, args.filter((a) => a !== '').map(decodeURIComponent), identify);
    if (!result.ok) log(`${s.rec.name}: IPMI chassis_control ${args.join(' ')}: ${result.lines.join('; ')}`);
    answer(res, result.ok ? 200 : 400, result.lines);
  };

  const server: Server = createServer((req, res) => {
    try {
      handle(req, res);
    } catch (e) {
      answer(res, 500, [e instanceof Error ? e.message : String(e)]);
    }
  });
  const listener = await listenTracked(server, 0, '127.0.0.1');
  return {
    port: listener.port,
    token,
    close() {
      identify.stop();
      return listener.close();
    },
  };
}
