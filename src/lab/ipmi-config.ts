// The files one server's ipmi_sim runs from, in DIR/<uuid>/ipmi/ (rewritten at every lab start: ports, hook and
// credentials may change): lan.conf (LAN channel, user, chassis_control), sim.emu (the BMC itself), chassis.sh (the
// chassis_control program, see lab-hook.ts) and state/ (ipmi_sim's own state dir: SEL, SDRs, LAN parameters).
// The recipe follows OpenIPMI's lanserv examples as tried in design/bmc-peers.md, section 1.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from './state-files.js';

export interface IpmiFiles {
  dir: string;
  lanConf: string;
  emu: string;
  stateDir: string;
}

export interface IpmiConfigInput {
  /** The server's directory, DIR/<uuid>. */
  serverDir: string;
  uuid: string;
  name: string;
  port: number;
  username: string;
  password: string;
  hook: { port: number; token: string };
}

// ipmi_sim hands the chassis_control line to /bin/sh and its config tokenizer has no escapes: keep paths and
// credentials to characters that survive both.
const SAFE_PATH = /^[A-Za-z0-9_./+,:@%=-]+$/;
const SAFE_CREDENTIAL = /^[^"\s\\]{1,20}$/;

/** bash, not sh: only bash has /dev/tcp. Spaces in ipmi_sim's arguments (`identify "15 0"`) become path slashes. */
function hookScript(c: IpmiConfigInput): string {
  return `#!/bin/bash
# chassis_control program of ${c.name}'s ipmi_sim, written by the Ferrite lab at start (mode 0600: it holds the hook
# token). ipmi_sim runs it as \`bash chassis.sh get power|boot\` or \`... set NAME VALUE\`; it forwards the request to the
# lab over HTTP/1.0 on bash's /dev/tcp and prints the lab's answer lines (e.g. power:1). Exit 0 only on HTTP 200.
exec 3<>/dev/tcp/127.0.0.1/${c.hook.port} || { echo "Ferrite lab not reachable"; exit 1; }
req="$*"
printf 'GET /${c.hook.token}/${c.uuid}/%s HTTP/1.0\\r\\n\\r\\n' "\${req// //}" >&3
IFS=' ' read -r -t 5 _ code _ <&3 || { echo "no answer from the Ferrite lab"; exit 1; }
while IFS= read -r -t 5 line <&3 && [ "\${line%$'\\r'}" != "" ]; do :; done
while IFS= read -r -t 5 line <&3; do printf '%s\\n' "$line"; done
[ "$code" = 200 ]
`;
}

function lanConf(c: IpmiConfigInput, script: string): string {
  return `# ${c.name}: IPMI BMC of the Ferrite lab (generated at each start; holds the BMC password, mode 0600)
name "${c.name}"
set_working_mc 0x20
  startlan 1
    addr 127.0.0.1 ${c.port}
    priv_limit admin
    allowed_auths_callback none md2 md5 straight
    allowed_auths_user none md2 md5 straight
    allowed_auths_operator none md2 md5 straight
    allowed_auths_admin none md2 md5 straight
    guid ${c.uuid.replaceAll('-', '')}
  endlan
  chassis_control "/bin/bash ${script}"
  user 2 true "${c.username}" "${c.password}" admin 10 none md2 md5 straight
`;
}

// Device ID 0x00 (rev 3), firmware 9.08, IPMI 2.0, manufacturer 0x1291 (MontaVista), product 0x0f02, as upstream's sample.
const EMU = `mc_setbmc 0x20
mc_add 0x20 0 no-device-sdrs 0x23 9 8 0x9f 0x1291 0xf02 persist_sdr
sel_enable 0x20 1000 0x0a
mc_enable 0x20
`;

export function writeIpmiFiles(c: IpmiConfigInput): IpmiFiles {
  if (!SAFE_PATH.test(c.serverDir)) {
    throw new Error(`IPMI: the lab directory ${c.serverDir} has characters ipmi_sim's chassis_control line cannot carry`);
  }
  if (!SAFE_CREDENTIAL.test(c.username) || !SAFE_CREDENTIAL.test(c.password)) {
    throw new Error('IPMI: user name and password must be 1-20 characters without spaces, quotes or backslashes');
  }
  const dir = join(c.serverDir, 'ipmi');
  const stateDir = join(dir, 'state');
  mkdirSync(stateDir, { recursive: true });
  const script = join(dir, 'chassis.sh');
  const files: IpmiFiles = { dir, lanConf: join(dir, 'lan.conf'), emu: join(dir, 'sim.emu'), stateDir };
  writeFileAtomic(script, hookScript(c), 0o600);
  writeFileAtomic(files.lanConf, lanConf(c, script), 0o600);
  writeFileAtomic(files.emu, EMU);
  return files;
}
