import type { Logger } from 'pino';

/**
 * Runs named jobs every `interval` seconds, never two runs of one job at once; a failing run is logged and the
 * job goes on. `stop()` waits for runs in progress.
 */
export class PeriodicScheduler {
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly inFlight = new Set<Promise<void>>();
  private stopped = false;

  constructor(private readonly log: Logger) {}

  every(name: string, intervalSeconds: number, job: () => Promise<unknown>): void {
    if (intervalSeconds <= 0) return;
    let running = false;
    const timer = setInterval(() => {
      if (running || this.stopped) return;
      running = true;
      const run = job()
        .then(() => undefined, (e: unknown) => this.log.error({ err: e, job: name }, 'periodic task failed'))
        .finally(() => {
          running = false;
          this.inFlight.delete(run);
        });
      this.inFlight.add(run);
    }, intervalSeconds * 1000);
    timer.unref();
    this.timers.push(timer);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of this.timers) clearInterval(t);
    await Promise.allSettled([...this.inFlight]);
  }
}
