import { setTimeout as sleep } from 'node:timers/promises';

/**
 * The conductor's client of the deploy agent's command API (ironic-python-agent's, which Ferrite's agent also
 * serves). It knows nothing of nodes: callers give the agent's URL (its heartbeat's callback_url) and token.
 */

export type CommandStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'CLEAN_VERSION_MISMATCH';

export interface CommandResult {
  id: string;
  command_name: string;
  command_status: CommandStatus;
  command_error: { type?: string; code?: number; message?: string; details?: string } | null;
  command_result: Record<string, unknown> | null;
}

export class AgentCommandError extends Error {
  override name = 'AgentCommandError';
  constructor(message: string, readonly status?: number, readonly result?: CommandResult) {
    super(message);
  }
}

export interface AgentClientOptions {
  /** Bound of one HTTP exchange with the agent (Ironic's `[agent] command_timeout`, 60 s). */
  requestTimeoutMs: number;
  /** How often an asynchronous command is polled. */
  pollIntervalMs: number;
}

export class AgentClient {
  constructor(private readonly options: AgentClientOptions) {}

  /** Runs a command and waits for its end (`wait=true`, as Ironic does for quick commands). */
  async runSync(agentUrl: string, token: string, name: string, params: Record<string, unknown>): Promise<CommandResult> {
    return this.finished(await this.post(agentUrl, token, name, params, true), name);
  }

  /** Starts a long command (writing an image) and returns at once; `waitFor` follows it. */
  async start(agentUrl: string, token: string, name: string, params: Record<string, unknown>): Promise<CommandResult> {
    return this.post(agentUrl, token, name, params, false);
  }

  /** Polls a started command until it ends or `timeoutMs` passes; a FAILED command throws with the agent's words. */
  async waitFor(agentUrl: string, token: string, id: string, timeoutMs: number): Promise<CommandResult> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const res = await this.request(`${base(agentUrl)}/v1/commands/${encodeURIComponent(id)}?agent_token=${encodeURIComponent(token)}`, { method: 'GET' });
      const result = (await res.json()) as CommandResult;
      if (result.command_status !== 'RUNNING') return this.finished(result, result.command_name);
      if (Date.now() + this.options.pollIntervalMs > deadline) {
        throw new AgentCommandError(`agent command ${result.command_name} still running after ${Math.round(timeoutMs / 1000)} s`);
      }
      await sleep(this.options.pollIntervalMs);
    }
  }

  /** The agent's commands so far (Ironic reads the last one to learn how a step ended). */
  async list(agentUrl: string, token: string): Promise<CommandResult[]> {
    const res = await this.request(`${base(agentUrl)}/v1/commands?agent_token=${encodeURIComponent(token)}`, { method: 'GET' });
    return ((await res.json()) as { commands: CommandResult[] }).commands;
  }

  private async post(agentUrl: string, token: string, name: string, params: Record<string, unknown>, wait: boolean): Promise<CommandResult> {
    const res = await this.request(`${base(agentUrl)}/v1/commands?wait=${String(wait)}&agent_token=${encodeURIComponent(token)}`, {
      method: 'POST', body: JSON.stringify({ name, params }), headers: { 'Content-Type': 'application/json' },
    });
    return (await res.json()) as CommandResult;
  }

  private finished(result: CommandResult, name: string): CommandResult {
    if (result.command_status === 'FAILED') {
      const e = result.command_error;
      const detail = e ? [e.message, e.details].filter(Boolean).join(': ') : 'no error given';
      throw new AgentCommandError(`agent command ${name} failed: ${detail}`, undefined, result);
    }
    return result;
  }

  private async request(url: string, init: RequestInit): Promise<Response> {
    let res: Response;
    try {
      res = await fetch(url, { ...init, signal: AbortSignal.timeout(this.options.requestTimeoutMs) });
    } catch (e) {
      // The URL carries the token as a query parameter: messages show the agent's address only.
      const where = new URL(url).origin;
      throw new AgentCommandError(`cannot reach the agent at ${where}: ${(e as Error).message}`);
    }
    if (!res.ok) {
      const text = await res.text();
      let detail = text;
      try {
        const body = JSON.parse(text) as { faultstring?: string; message?: string; details?: string };
        detail = body.faultstring ?? [body.message, body.details].filter(Boolean).join(': ');
      } catch {
        // not JSON: the text says what there is to say
      }
      throw new AgentCommandError(`the agent at ${new URL(url).origin} answered HTTP ${res.status}: ${detail}`, res.status);
    }
    return res;
  }
}

const base = (url: string) => url.replace(/\/+$/, '');
