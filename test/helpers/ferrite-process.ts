import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { waitFor } from './service.js';

/** A `ferrite` command run as a child process from the bundled entry point, as an operator runs it. */

const BIN = fileURLToPath(new URL('../../bin/ferrite.js', import.meta.url));

/** A port that was free a moment ago (the child must be reachable at a known address, so port 0 will not do). */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, 'close');
  return port;
}

/** One `ferrite serve` child process; its output is kept for failure messages. */
export class FerriteProcess {
  readonly child: ChildProcess;
  private output = '';
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  constructor(args: string[]) {
    this.child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    const keep = (chunk: Buffer) => {
      this.output = (this.output + chunk.toString()).slice(-20_000);
    };
    this.child.stdout!.on('data', keep);
    this.child.stderr!.on('data', keep);
    this.exited = once(this.child, 'exit').then(([code, signal]) => ({ code: code as number | null, signal: signal as NodeJS.Signals | null }));
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  get log(): string {
    return this.output;
  }

  /** Waits until the API answers (the conductor has started, and recovered, before the API listens). */
  async ready(url: string): Promise<void> {
    await waitFor(async () => {
      if (!this.running) throw new Error(`ferrite exited before it was ready:\n${this.output}`);
      const ok = await fetch(`${url}/`).then((r) => r.ok, () => false);
      return ok ? true : undefined;
    }, 30_000, `ferrite to listen on ${url}`);
  }

  /** Sends `signal` to this child only (by its PID) and waits for it to end. */
  async kill(signal: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    if (this.running) process.kill(this.child.pid!, signal);
    return this.exited;
  }
}

