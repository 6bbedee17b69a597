// The ramdisk a lab server network-booted: the agent program it downloaded, run as a child of the lab process.
// A child (not detached) so that the agents die with the lab and a lab's close can wait for each of them. Its output
// goes to the server's serial console, as a real ramdisk's would. The power command it gets is a bash script that
// calls the lab's loopback hook (lab-hook.ts explains why bash over /dev/tcp), so the agent can power its own server
// off or reboot it the way IPA does through the kernel.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { writeFileAtomic } from './state-files.js';

export interface AgentLaunch {
  /** The downloaded agent program (the initrd). */
  program: string;
  cmdline: string;
  macs: string[];
  disk: string;
  powerCommand: string;
  /** One line of the agent's output, without its newline. */
  output(line: string): void;
  /** The process ended by itself or by kill(); not called for processes that never started. */
  exited(description: string): void;
}

export class AgentProcess {
  readonly startedAt = new Date().toISOString();
  /** Resolves once the process is gone. */
  readonly gone: Promise<void>;
  private alive = true;

  private constructor(private readonly child: ChildProcess, readonly pid: number, readonly cmdline: string) {
    this.gone = new Promise((done) => child.once('close', () => done()));
  }

  /** Starts the agent; throws when it could not be started at all. */
  static async start(l: AgentLaunch): Promise<AgentProcess> {
    const args = [l.program, 'agent', '--cmdline', l.cmdline, ...l.macs.flatMap((m) => ['--mac', m]), '--disk', l.disk,
      '--listen', '127.0.0.1:0', '--advertise-host', '127.0.0.1', '--power-command', l.powerCommand];
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: false });
    const pid = await new Promise<number>((ok, fail) => {
      child.once('spawn', () => ok(child.pid as number));
      child.once('error', fail);
    });
    const proc = new AgentProcess(child, pid, l.cmdline);
    for (const stream of [child.stdout, child.stderr]) forEachLine(stream, (line) => l.output(line));
    child.once('close', (code, signal) => {
      proc.alive = false;
      l.exited(signal ? `killed by ${signal}` : `exited with code ${code ?? '?'}`);
    });
    return proc;
  }

  get running(): boolean {
    return this.alive;
  }

  /** SIGKILL, as losing power would; resolves when the process is gone. */
  kill(): Promise<void> {
    if (this.alive) {
      try {
        process.kill(this.pid, 'SIGKILL');
      } catch {
        // already gone: 'close' follows
      }
    }
    return this.gone;
  }
}

function forEachLine(stream: NodeJS.ReadableStream | null, line: (l: string) => void): void {
  if (stream === null) return;
  let rest = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    const parts = (rest + chunk).split('\n');
    rest = parts.pop() ?? '';
    for (const p of parts) line(p.replace(/\r$/, ''));
  });
  stream.on('end', () => {
    if (rest !== '') line(rest);
  });
}

/**
 * Writes the server's power command (`power-hook off|reboot`), mode 0700: it holds the hook token. Rewritten at every
 * agent start because the hook's port and token change with every lab start.
 */
export function writePowerHook(serverDir: string, uuid: string, name: string, hook: { port: number; token: string }): string {
  const path = join(serverDir, 'power-hook');
  writeFileAtomic(path, `#!/bin/bash
# Power command of ${name}'s agent, written by the Ferrite lab: \`power-hook off\` powers the server off,
# \`power-hook reboot\` resets it (what the kernel does for the agent on real hardware). Exit 0 when the lab took it.
case "$1" in off|reboot) ;; *) echo "usage: $0 off|reboot" >&2; exit 2 ;; esac
exec 3<>/dev/tcp/127.0.0.1/${hook.port} || { echo "Ferrite lab not reachable" >&2; exit 1; }
printf 'GET /${hook.token}/${uuid}/agent/%s HTTP/1.0\\r\\n\\r\\n' "$1" >&3
IFS=' ' read -r -t 5 _ code _ <&3 || { echo "no answer from the Ferrite lab" >&2; exit 1; }
while IFS= read -r -t 5 line <&3 && [ "\${line%$'\\r'}" != "" ]; do :; done
while IFS= read -r -t 5 line <&3; do printf '%s\\n' "$line"; done
[ "$code" = 200 ]
`, 0o700);
  return path;
}
