/**
 * Runs agent commands and keeps their results, as IPA's ExecuteCommandMixin: one command at a time (a new one
 * while the last is RUNNING is 409 AgentIsBusy), unknown extension → 404, unknown command or refused params → 400
 * (raised, not recorded), a sync command's failure → a recorded FAILED result, an async command → RUNNING then
 * SUCCEEDED/FAILED. Results are kept in order for `GET /v1/commands`.
 */
import { randomUUID } from 'node:crypto';
import type { AgentLog } from './agent-log.js';
import {
  agentIsBusy, invalidCommandError, notFoundError, toRestError, type RestError,
} from './commands/errors.js';
import type { AgentState, Command, CommandContext, Extensions } from './commands/registry.js';

export type CommandStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED';

export class CommandResult {
  readonly id = randomUUID();
  command_status: CommandStatus = 'RUNNING';
  command_error: RestError | null = null;
  command_result: unknown = null;
  done: Promise<void> = Promise.resolve();

  constructor(public command_name: string) {}

  /**
   * IPA's serialisation (BaseCommandResult.serializable_fields): command_params is not part of it, which also
   * keeps image credentials and configdrives out of every answer.
   */
  toJSON() {
    return {
      id: this.id, command_name: this.command_name, command_status: this.command_status,
      command_error: this.command_error, command_result: this.command_result,
    };
  }
}

/** IPA wraps a string result as {result: ...}, prefixed with the command's name for async commands. */
function shape(result: unknown, asyncName?: string): unknown {
  if (typeof result !== 'string') return result ?? null;
  return { result: asyncName ? `${asyncName}: ${result}` : result };
}

export class CommandRunner {
  private readonly results = new Map<string, CommandResult>();
  private last: CommandResult | undefined;
  private abort = new AbortController();
  private readonly state: AgentState = { partitionUuids: null };

  constructor(
    private readonly extensions: Extensions,
    private readonly target: { disk: string; powerCommand?: string },
    private readonly log: AgentLog,
  ) {}

  list(): CommandResult[] {
    return [...this.results.values()];
  }

  get(id: string): CommandResult {
    const r = this.results.get(id);
    if (!r) throw notFoundError('Command Result', id);
    return r;
  }

  /** Aborts the running command (erase_devices stops within a chunk, an image download stops). */
  abortRunning(): void {
    this.abort.abort(new Error('Command aborted'));
    this.abort = new AbortController();
  }

  private resolve(name: string): { command: Command; short: string } {
    const dot = name.indexOf('.');
    if (dot < 0) throw invalidCommandError('Command name must be of the form <extension>.<name>');
    const ext = this.extensions[name.slice(0, dot)];
    if (!ext) throw notFoundError('Extension', name.slice(0, dot));
    const short = name.slice(dot + 1);
    const command = Object.hasOwn(ext, short) ? ext[short] : undefined;
    if (!command) throw invalidCommandError(`Unknown command: ${short}`);
    return { command, short };
  }

  private context(): CommandContext {
    const ctx: CommandContext = {
      disk: this.target.disk, powerCommand: this.target.powerCommand, log: this.log, signal: this.abort.signal, state: this.state,
      call: async (name, params) => {
        // A step running another command inline (IPA's write_image → prepare_image), not recorded on its own.
        const { command, short } = this.resolve(name);
        command.validate?.(params, ctx);
        const r = await command.run(params, ctx);
        return shape(r, command.mode === 'async' ? short : undefined);
      },
    };
    return ctx;
  }

  /** Resolves when a sync command is done, or as soon as an async one has started. */
  async execute(name: string, params: Record<string, unknown>): Promise<CommandResult> {
    if (this.last?.command_status === 'RUNNING') {
      this.log.warn({ command: name, running: this.last.command_name }, 'agent is busy');
      throw agentIsBusy(this.last.command_name);
    }
    const { command, short } = this.resolve(name);
    const ctx = this.context();
    // Only the name is logged: params carry image credentials and configdrives.
    this.log.info({ command: name }, 'executing command');
    let result: CommandResult;
    try {
      command.validate?.(params, ctx);
      result = new CommandResult(short);
    } catch (e) {
      const err = toRestError(e);
      if (err.code === 400) throw err; // IPA's InvalidContentError goes back to the caller as is
      result = new CommandResult(name);
      result.command_status = 'FAILED';
      result.command_error = err;
      this.record(result);
      return result;
    }
    this.record(result);
    result.done = command.run(params, ctx).then(
      (r) => {
        result.command_result = shape(r, command.mode === 'async' ? short : undefined);
        result.command_status = 'SUCCEEDED';
        this.log.info({ command: name, id: result.id }, 'command succeeded');
      },
      (e: unknown) => {
        // IPA records a failed sync command under its full name (the error escapes the extension).
        if (command.mode === 'sync') result.command_name = name;
        result.command_error = toRestError(e);
        result.command_status = 'FAILED';
        this.log.error({ command: name, id: result.id, error: result.command_error.message }, 'command failed');
      },
    );
    // A sync command answers its result, as IPA runs it inside the request.
    if (command.mode === 'sync') await result.done;
    return result;
  }

  private record(r: CommandResult): void {
    this.results.set(r.id, r);
    this.last = r;
  }
}
