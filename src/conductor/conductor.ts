import type { Logger } from 'pino';
import type { Config } from '../config.js';
import type { Node } from '../domain/node.js';
import { nodeNotFound, TemporaryFailure } from '../domain/errors.js';
import { identKind } from '../domain/validation.js';
import type { DriverRegistry } from '../drivers/registry.js';
import { now, type Store } from '../store/store.js';
import { NodeTask, ReservationLost } from './node-task.js';
import type { FlowContext } from './flows/flow-context.js';

export interface WorkerClaim {
  release(): void;
}

/**
 * The engine's core: runs tasks on nodes under their reservation, in the foreground (the caller waits) or in the
 * background (the caller gets 202 and the node's state tells the rest). Operations live in their own modules and
 * are built on `withTask` and `spawn`.
 */
export class ConductorCore {
  private readonly running = new Set<Promise<void>>();
  private stopping = false;
  private claimed = 0;
  readonly flow: FlowContext;

  constructor(
    readonly store: Store,
    readonly registry: DriverRegistry,
    readonly config: Config,
    readonly log: Logger,
  ) {
    this.flow = { config, store };
  }

  get hostname(): string {
    return this.config.host;
  }

  /** Finds a node by UUID or name, or throws NotFound as Ironic words it. */
  async getNode(ident: string): Promise<Node> {
    const node = identKind(ident) === 'uuid' ? await this.store.nodes.getByUuid(ident.toLowerCase()) : await this.store.nodes.getByName(ident);
    if (!node) throw nodeNotFound(ident);
    return node;
  }

  async acquire(ident: string | Node, purpose: string): Promise<NodeTask> {
    const node = typeof ident === 'string' ? await this.getNode(ident) : ident;
    return NodeTask.acquire(this.store, this.registry, this.hostname, node, purpose, this.log);
  }

  /** Runs `fn` on the node without reserving it (reads of hardware state). */
  async withSharedTask<T>(ident: string, purpose: string, fn: (task: NodeTask) => Promise<T>): Promise<T> {
    const node = await this.getNode(ident);
    return fn(await NodeTask.shared(this.store, this.registry, this.hostname, node, purpose, this.log));
  }

  /** Runs `fn` holding the node's reservation and releases it however `fn` ends. */
  async withTask<T>(ident: string | Node, purpose: string, fn: (task: NodeTask) => Promise<T>): Promise<T> {
    const task = await this.acquire(ident, purpose);
    try {
      return await fn(task);
    } finally {
      await task.release();
    }
  }

  /**
   * Hands an acquired task to a background worker, which keeps the reservation until `fn` is done. Errors that
   * `fn` did not turn into a node state (a lost reservation, a database failure) are logged, never thrown away.
   */
  spawn(task: NodeTask, fn: (task: NodeTask) => Promise<void>, claim?: WorkerClaim): Promise<void> {
    if (claim) claim.release();
    else {
      try {
        this.claimWorker().release();
      } catch (e) {
        void task.release();
        throw e;
      }
    }
    const work = (async () => {
      try {
        await fn(task);
      } catch (e) {
        if (e instanceof ReservationLost) task.log.warn('reservation lost; another conductor owns the node now');
        else task.log.error({ err: e }, 'background task failed');
      } finally {
        await task.release().catch((e: unknown) => task.log.error({ err: e }, 'could not release reservation'));
      }
    })();
    this.running.add(work);
    void work.finally(() => this.running.delete(work));
    // The caller may wait a moment: an action that finishes quickly (fake hardware, a fast BMC) is then complete
    // when the client gets its 202, as with Ironic, and the client does not race its own action's lock.
    const grace = this.config.conductor.quickActionWait * 1000;
    if (grace <= 0) return Promise.resolve();
    let timer: NodeJS.Timeout | undefined;
    return Promise.race([work, new Promise<void>((r) => { timer = setTimeout(r, grace); })]).finally(() => clearTimeout(timer));
  }

  /**
   * Reserves a background worker before an action changes anything, so a full pool refuses the request (503)
   * instead of leaving a node in a state nobody works on. The claim goes to `spawn`, or is given back.
   */
  claimWorker(): WorkerClaim {
    if (this.stopping) throw new TemporaryFailure('Requested action cannot be performed: the conductor is shutting down.');
    if (this.running.size + this.claimed >= this.config.conductor.workersPoolSize) {
      throw new TemporaryFailure('Requested action cannot be performed due to lack of free conductor workers.');
    }
    this.claimed += 1;
    let open = true;
    return {
      release: () => {
        if (!open) return;
        open = false;
        this.claimed -= 1;
      },
    };
  }

  /** Background work under way; tests and shutdown wait on it. */
  async drain(): Promise<void> {
    while (this.running.size > 0) await Promise.allSettled([...this.running]);
  }

  get busyWorkers(): number {
    return this.running.size;
  }

  /** Stops taking new background work and waits for the current work to end. */
  async stop(): Promise<void> {
    this.stopping = true;
    await this.drain();
  }

  now(): string {
    return now();
  }
}
