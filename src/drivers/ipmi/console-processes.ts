import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';

/**
 * The console relays this conductor runs, one per node: a `socat` that listens on the node's terminal port and
 * starts an SOL session for each client. Only processes started here are ever signalled, by their PID.
 */
export class ConsoleProcesses {
  private readonly children = new Map<string, ChildProcess>();

  running(nodeUuid: string): boolean {
    const child = this.children.get(nodeUuid);
    return child !== undefined && child.exitCode === null && child.signalCode === null;
  }

  /** Starts `socat args` for the node and resolves once it listens; rejects with socat's own words if it cannot. */
  async start(nodeUuid: string, args: string[], env: NodeJS.ProcessEnv): Promise<void> {
    await this.stop(nodeUuid);
    const child = spawn('socat', ['-d', '-d', ...args], { env, stdio: ['ignore', 'ignore', 'pipe'] });
    this.children.set(nodeUuid, child);
    let output = '';
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`socat did not start listening within 5 s: ${output.trim()}`)), 5000);
      child.stderr.on('data', (chunk: Buffer) => {
        output = (output + chunk.toString()).slice(-4000);
        if (/listening on/.test(output)) {
          clearTimeout(timer);
          resolve();
        }
      });
      child.once('error', (e) => {
        clearTimeout(timer);
        reject(e);
      });
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`socat exited (${signal ?? code}) before listening: ${lastLines(output)}`));
      });
    }).catch(async (e: unknown) => {
      await this.stop(nodeUuid);
      throw e;
    });
  }

  async stop(nodeUuid: string): Promise<void> {
    const child = this.children.get(nodeUuid);
    this.children.delete(nodeUuid);
    if (!child || child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 2000);
    await exited;
    clearTimeout(timer);
  }

  async stopAll(): Promise<void> {
    await Promise.all([...this.children.keys()].map((uuid) => this.stop(uuid)));
  }
}

function lastLines(text: string): string {
  return text.trim().split('\n').slice(-3).join(' | ');
}
