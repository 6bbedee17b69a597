import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';
import dgram from 'node:dgram';

/*
 * A deliberately small RMCP+ BMC for cipher suite 17 (RAKP-HMAC-SHA256, HMAC-SHA256-128, AES-CBC-128) — and 3 —
 * because no BMC Debian ships implements SHA-256 (ipmi_sim and pyghmi both refuse suite 17). It imports nothing
 * from the client under test: tests first check it with ipmitool -C 17 (an independent implementation), then
 * use it as the peer for the client's suite 17 path. It keeps power state and counts sessions; it does only what
 * `ipmitool power ...` and the client's chassis commands need.
 */

interface Suite { id: number; algs: [number, number, number]; hash: 'sha1' | 'sha256'; icv: number }
const SUITES: Suite[] = [
  { id: 3, algs: [1, 1, 1], hash: 'sha1', icv: 12 },
  { id: 17, algs: [3, 4, 1], hash: 'sha256', icv: 16 },
];
const GUID = Buffer.from('0123456789abcdef0123456789abcdef', 'hex');

interface Session {
  consoleSid: Buffer; bmcSid: Buffer; suite: Suite; rm?: Buffer; rc?: Buffer; nameField?: Buffer;
  k1?: Buffer; aes?: Buffer; seq: number;
}

export interface Sha256Bmc {
  port: number;
  power: () => boolean;
  /** Open Session Requests seen, by cipher suite id. */
  opened: Map<number, number>;
  close: () => Promise<void>;
}

const mac = (hash: string, key: Buffer, ...parts: Buffer[]) => parts.reduce((h, p) => h.update(p), createHmac(hash, key)).digest();
const sum = (b: Buffer) => (0x100 - (b.reduce((a, x) => a + x, 0) & 0xff)) & 0xff;

export async function startSha256Bmc(username: string, password: string): Promise<Sha256Bmc> {
  const socket = dgram.createSocket('udp4');
  const sessions = new Map<number, Session>();
  const opened = new Map<number, number>();
  const pw = Buffer.from(password);
  let power = false;

  const v2 = (type: number, sid: Buffer, payload: Buffer) => {
    const h = Buffer.alloc(12);
    h[0] = 0x06; h[1] = type;
    sid.copy(h, 2);
    h.writeUInt16LE(payload.length, 10);
    return Buffer.concat([Buffer.from([6, 0, 0xff, 7]), h, payload]);
  };
  // The BMC's answer to one IPMI request: response message, encrypted, with an integrity trailer.
  const reply = (s: Session, req: Buffer, cc: number, data: number[]) => {
    const head = Buffer.from([0x81, (((req[1] >> 2) + 1) << 2) | (req[4] & 3)]);
    const body = Buffer.from([0x20, req[4], req[5], cc, ...data]);
    const msg = Buffer.concat([head, Buffer.from([sum(head)]), body, Buffer.from([sum(body)])]);
    const padLen = (16 - ((msg.length + 1) % 16)) % 16;
    const plain = Buffer.concat([msg, Buffer.from([...Array.from({ length: padLen }, (_, i) => i + 1), padLen])]);
    const iv = randomBytes(16);
    const c = createCipheriv('aes-128-cbc', s.aes!, iv).setAutoPadding(false);
    const payload = Buffer.concat([iv, c.update(plain), c.final()]);
    const h = Buffer.alloc(12);
    h[0] = 0x06; h[1] = 0xc0;
    s.consoleSid.copy(h, 2);
    h.writeUInt32LE(++s.seq, 6);
    h.writeUInt16LE(payload.length, 10);
    const pad = (4 - ((12 + payload.length + 2) % 4)) % 4;
    const covered = Buffer.concat([h, payload, Buffer.alloc(pad, 0xff), Buffer.from([pad, 0x07])]);
    return Buffer.concat([Buffer.from([6, 0, 0xff, 7]), covered, mac(s.suite.hash, s.k1!, covered).subarray(0, s.suite.icv)]);
  };

  const handle = (d: Buffer): Buffer | null => {
    if (d.length < 16 || d[0] !== 6 || d[3] !== 7) return null;
    if (d[4] === 0x00) { // IPMI 1.5, sessionless: only Get Channel Authentication Capabilities
      const m = d.subarray(14);
      if (m[5] !== 0x38) return null;
      const head = Buffer.from([0x81, (7 << 2) | (m[1] & 3)]);
      const body = Buffer.from([0x20, m[4], 0x38, 0x00, 0x01, 0x80, 0x04, 0x02, 0, 0, 0, 0]);
      const msg = Buffer.concat([head, Buffer.from([sum(head)]), body, Buffer.from([sum(body)])]);
      return Buffer.concat([Buffer.from([6, 0, 0xff, 7, 0, 0, 0, 0, 0, 0, 0, 0, 0, msg.length]), msg]);
    }
    const type = d[5] & 0x3f;
    const p = d.subarray(16, 16 + d.readUInt16LE(14));
    if (type === 0x10) { // Open Session
      const algs = [p[12], p[20], p[28]].map((a) => a & 0x3f);
      const suite = SUITES.find((s) => s.algs.every((a, i) => a === algs[i]));
      if (!suite) return v2(0x11, Buffer.alloc(4), Buffer.from([p[0], 0x11, 0, 0, ...p.subarray(4, 8)]));
      opened.set(suite.id, (opened.get(suite.id) ?? 0) + 1);
      const s: Session = { consoleSid: Buffer.from(p.subarray(4, 8)), bmcSid: randomBytes(4), suite, seq: 0 };
      sessions.set(s.bmcSid.readUInt32LE(0), s);
      return v2(0x11, Buffer.alloc(4), Buffer.concat([Buffer.from([p[0], 0, 4, 0]), s.consoleSid, s.bmcSid, p.subarray(8, 32)]));
    }
    const s = sessions.get((type === 0 ? d.subarray(6, 10) : p.subarray(4, 8)).readUInt32LE(0));
    if (!s) return null; // unknown sessions are dropped, as BMCs do
    if (type === 0x12) { // RAKP 1 -> 2
      const name = p.subarray(28, 28 + p[27]);
      if (name.toString() !== username) return v2(0x13, Buffer.alloc(4), Buffer.from([p[0], 0x0d, 0, 0, ...s.consoleSid]));
      s.rm = Buffer.from(p.subarray(8, 24));
      s.rc = randomBytes(16);
      s.nameField = Buffer.concat([Buffer.from([p[24], p[27]]), name]);
      const code = mac(s.suite.hash, pw, s.consoleSid, s.bmcSid, s.rm, s.rc, GUID, s.nameField);
      return v2(0x13, Buffer.alloc(4), Buffer.concat([Buffer.from([p[0], 0, 0, 0]), s.consoleSid, s.rc, GUID, code]));
    }
    if (type === 0x14) { // RAKP 3 -> 4
      if (!s.rc || p[1] !== 0) return null;
      const expected = mac(s.suite.hash, pw, s.rc, s.consoleSid, s.nameField!);
      if (!expected.equals(p.subarray(8))) return v2(0x15, Buffer.alloc(4), Buffer.from([p[0], 0x0f, 0, 0, ...s.consoleSid]));
      const sik = mac(s.suite.hash, pw, s.rm!, s.rc, s.nameField!);
      // Const1 / Const2 are 20 bytes for every suite (§13.32), as ipmitool has them for SHA-256 too.
      s.k1 = mac(s.suite.hash, sik, Buffer.alloc(20, 1));
      s.aes = mac(s.suite.hash, sik, Buffer.alloc(20, 2)).subarray(0, 16);
      const icv = mac(s.suite.hash, sik, s.rm!, s.bmcSid, GUID).subarray(0, s.suite.icv);
      return v2(0x15, Buffer.alloc(4), Buffer.concat([Buffer.from([p[0], 0, 0, 0]), s.consoleSid, icv]));
    }
    if (type !== 0 || !s.k1 || (d[5] & 0xc0) !== 0xc0) return null;
    const code = d.subarray(d.length - s.suite.icv);
    if (!mac(s.suite.hash, s.k1, d.subarray(4, d.length - s.suite.icv)).subarray(0, s.suite.icv).equals(code)) return null;
    const dec = createDecipheriv('aes-128-cbc', s.aes!, p.subarray(0, 16)).setAutoPadding(false);
    const plain = Buffer.concat([dec.update(p.subarray(16)), dec.final()]);
    const req = plain.subarray(0, plain.length - plain[plain.length - 1] - 1);
    const netFn = req[1] >> 2;
    const cmd = req[5];
    const data = req.subarray(6, req.length - 1);
    if (netFn === 6 && cmd === 0x3b) return reply(s, req, 0, [data[0] & 0x0f]);
    if (netFn === 6 && cmd === 0x3c) {
      const r = reply(s, req, 0, []);
      sessions.delete(s.bmcSid.readUInt32LE(0));
      return r;
    }
    if (netFn === 6 && cmd === 0x01) return reply(s, req, 0, [0x20, 0x01, 0x01, 0x00, 0x02, 0x00, 0x3b, 0x1f, 0x00, 0x11, 0x00]);
    if (netFn === 0 && cmd === 0x01) return reply(s, req, 0, [power ? 1 : 0, 0, 0x40, 0]);
    if (netFn === 0 && cmd === 0x02) {
      if (data[0] > 5) return reply(s, req, 0xcc, []);
      if (data[0] === 0 || data[0] === 5) power = false;
      if (data[0] === 1 || data[0] === 2) power = true;
      return reply(s, req, 0, []);
    }
    return reply(s, req, 0xc1, []);
  };

  socket.on('message', (d, rinfo) => {
    const out = handle(d);
    if (out) socket.send(out, rinfo.port, rinfo.address);
  });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  return {
    port: socket.address().port,
    power: () => power,
    opened,
    close: () => new Promise<void>((resolve) => socket.close(() => resolve())),
  };
}
