import {
  IpmiAuthError, IpmiCipherSuiteError, IpmiError, IpmiProtocolError, IpmiSessionError, IpmiTimeoutError,
} from './errors.js';
import type { IpmiTarget } from './ipmi-backend.js';
import type { PrivilegeLevel } from './session-setup.js';

/*
 * The ipmitool command line as Ironic builds it, and what ipmitool 1.8.19's output means: the hex bytes of a
 * `raw` answer on stdout, and on stderr the completion code of a refused command or the reason a session failed.
 * No I/O here, so the reading of ipmitool's messages is testable on its own.
 */

const PRIVILEGE_WORDS: Record<PrivilegeLevel, string> = {
  callback: 'CALLBACK', user: 'USER', operator: 'OPERATOR', administrator: 'ADMINISTRATOR',
};

export interface IpmitoolTiming {
  /** ipmitool `-N`: seconds to wait for one answer; whole seconds only (ipmitool parses an integer). */
  requestTimeoutSeconds: number;
  /** ipmitool `-R`: tries per request. 0 would mean ipmitool's own default (4 tries, ~20 s), so it is never 0. */
  tries: number;
}

const hexArg = (n: number) => `0x${n.toString(16).padStart(2, '0')}`;

/**
 * argv for one `raw` command. The password is not in it: `-E` makes ipmitool read IPMI_PASSWORD from its
 * environment (see `ipmitoolEnv`); a Kg key likewise comes through `-K` and IPMI_KGKEY.
 */
export function ipmitoolArgs(target: IpmiTarget, timing: IpmitoolTiming, netFn: number, cmd: number, data: Buffer): string[] {
  const args = ['-I', 'lanplus', '-H', target.host, '-p', String(target.port ?? 623)];
  // Ironic leaves -U out for the anonymous (NULL) user rather than passing an empty name.
  if (target.username) args.push('-U', target.username);
  args.push(
    '-L', PRIVILEGE_WORDS[target.privilege ?? 'administrator'],
    // Always a suite: without -C, ipmitool 1.8.19 probes suites first and stalls ~10 s on BMCs that lack 17.
    '-C', String(target.cipherSuite ?? 3),
    '-R', String(Math.max(1, timing.tries)),
    '-N', String(Math.max(1, Math.ceil(timing.requestTimeoutSeconds))),
  );
  const b = target.bridging;
  if (b) {
    if (b.localAddress !== undefined) args.push('-m', hexArg(b.localAddress));
    if (b.type === 'dual') {
      if (b.transitChannel === undefined || b.transitAddress === undefined) {
        throw new IpmiError(`IPMI BMC at ${bmcName(target)}: dual bridging needs a transit channel and address`, bmcName(target));
      }
      args.push('-B', String(b.transitChannel), '-T', hexArg(b.transitAddress));
    }
    args.push('-b', String(b.targetChannel), '-t', hexArg(b.targetAddress));
  }
  if (target.kg) args.push('-K');
  // -v adds the reason of a failed session to stderr ("RAKP 2 HMAC is invalid"); stdout stays the bare answer.
  args.push('-E', '-v', 'raw', hexArg(netFn), hexArg(cmd), ...[...data].map(hexArg));
  return args;
}

/**
 * The child's whole environment: the secrets and a C locale for stable messages, nothing inherited — the
 * service's own environment may hold other secrets, and an inherited IPMITOOL_PASSWORD would win over ours.
 */
export function ipmitoolEnv(target: IpmiTarget): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', LC_ALL: 'C', IPMI_PASSWORD: target.password };
  if (target.kg) {
    // ipmitool takes the key as a C string: a key with a NUL byte cannot be passed without the command line.
    if (target.kg.includes(0)) throw new IpmiError(`IPMI BMC at ${bmcName(target)}: a Kg key with a zero byte cannot be given to ipmitool`, bmcName(target));
    env.IPMI_KGKEY = target.kg.toString('latin1');
  }
  return env;
}

/** The answer bytes `ipmitool raw` prints: hex pairs, 16 to a line. */
export function parseRawOutput(stdout: string): Buffer | null {
  const words = stdout.trim().split(/\s+/).filter(Boolean);
  if (words.some((w) => !/^[0-9a-f]{2}$/i.test(w))) return null;
  return Buffer.from(words.map((w) => parseInt(w, 16)));
}

/** "Unable to send RAW command (… rsp=0xcc): Invalid data field in request": the BMC answered, with an error. */
export function completionCodeOf(stderr: string): number | null {
  const m = /Unable to send RAW command \([^)]*rsp=0x([0-9a-f]{1,2})\)/i.exec(stderr);
  return m ? parseInt(m[1], 16) : null;
}

// Recognised stderr lines, most specific first. Each maps to the error type the native client throws for the
// same BMC behaviour, so callers act the same whichever backend runs.
const CIPHER_SUITE = [
  /Unsupported cipher suite ID : \d+/,
  /Error in open session response message : (invalid (authentication|integrity|confidentiality) algorithm|no matching [a-z]+ payload|no cipher suite match[^\n]*)/,
  /(Authentication|Integrity|Confidentiality) algorithm 0x[0-9a-f]+ is not what we requested 0x[0-9a-f]+/i,
];
const AUTH = [
  /RAKP 2 HMAC is invalid/,
  /RAKP 4 message has invalid integrity check value/,
  /RAKP 2 message indicates an error : (unauthorized name|invalid role|unauthorized role or privilege level requested|invalid name length|invalid integrity check value)/,
  /Set Session Privilege Level to \w+ failed: [^\n]*/,
];
const NO_ANSWER = [
  /no response from RAKP \d message/,
  /Get Auth Capabilities error\s*\n/,
  /Unable to send RAW command \([^)]*\)(?!:)/,
  /Insufficient resources for session/,
];

/** ipmitool failed without a completion code: the error that says why, with ipmitool's own words. */
export function sessionFailure(stderr: string, target: IpmiTarget, what: string, exitCode: number | null): IpmiError {
  const bmc = bmcName(target);
  const suite = target.cipherSuite ?? 3;
  const said = (re: RegExp) => re.exec(stderr)?.[0].trim();
  for (const re of CIPHER_SUITE) {
    const s = said(re);
    if (s) return new IpmiCipherSuiteError(`IPMI BMC at ${bmc} does not offer cipher suite ${suite} (ipmitool: ${s})`, bmc, suite);
  }
  for (const re of AUTH) {
    const s = said(re);
    if (s) {
      return new IpmiAuthError(`IPMI BMC at ${bmc} refused user ${target.username || '(anonymous)'}: wrong username or password, ` +
        `or privilege level not allowed (ipmitool: ${s})`, bmc);
    }
  }
  for (const re of NO_ANSWER) {
    const s = said(re);
    if (s) return new IpmiTimeoutError(`IPMI BMC at ${bmc} did not answer ${what} (ipmitool: ${s})`, bmc);
  }
  const status = /RAKP \d message indicates an error : ([^\n]+)/.exec(stderr) ?? /open session response message : ([^\n]+)/.exec(stderr);
  if (status) return new IpmiSessionError(`IPMI BMC at ${bmc} refused the session: ${status[1].trim()}`, bmc);
  const last = lastMessage(stderr, target.password);
  if (/Unable to establish IPMI v2 \/ RMCP\+ session/.test(stderr)) {
    return new IpmiSessionError(`IPMI BMC at ${bmc}: no session for ${what} (ipmitool: ${last})`, bmc);
  }
  return new IpmiProtocolError(`IPMI BMC at ${bmc}: ipmitool failed on ${what} with exit code ${exitCode ?? 'none'}` +
    (last ? ` (ipmitool: ${last})` : ''), bmc);
}

/** The last line ipmitool printed that says something, with the password cut out should it ever appear. */
function lastMessage(stderr: string, password: string): string {
  const noise = /^(Loading IANA PEN Registry|Running Get VSO Capabilities|Discovered IPMB address|RAW REQ|RAW RSP|>?\s*$)/;
  const lines = stderr.split('\n').map((l) => l.trim()).filter((l) => l && !noise.test(l));
  const line = (lines.at(-1) ?? '').slice(0, 200);
  return password.length >= 3 ? line.split(password).join('***') : line;
}

export function bmcName(target: IpmiTarget): string {
  const host = target.host.includes(':') ? `[${target.host}]` : target.host;
  return `${host}:${target.port ?? 623}`;
}
