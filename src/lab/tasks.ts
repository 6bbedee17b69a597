// Redfish tasks for the lab's long-running actions (BIOS reset). In memory only and capped: tasks are for
// watching an action finish, not a history.
const KEEP_TASKS = 200;

export type TaskState = 'New' | 'Running' | 'Completed' | 'Exception';

export interface LabTask {
  id: string;
  name: string;
  state: TaskState;
  percent: number;
  startTime: string;
  endTime?: string;
  messages: string[];
}

export class Tasks {
  private next = 1;
  private readonly tasks = new Map<string, LabTask>();
  private readonly timers = new Set<NodeJS.Timeout>();

  /** Starts a task that runs for durationMs and then calls finish; the task is Running from the half-way point. */
  start(name: string, durationMs: number, finish: () => void): LabTask {
    const task: LabTask = { id: String(this.next++), name, state: 'New', percent: 0, startTime: new Date().toISOString(), messages: [] };
    this.tasks.set(task.id, task);
    if (this.tasks.size > KEEP_TASKS) {
      const oldest = this.tasks.keys().next().value;
      if (oldest !== undefined) this.tasks.delete(oldest);
    }
    this.later(durationMs / 2, () => {
      task.state = 'Running';
      task.percent = 50;
    });
    this.later(durationMs, () => {
      try {
        finish();
        task.state = 'Completed';
        task.messages.push('The task completed successfully.');
      } catch (e) {
        task.state = 'Exception';
        task.messages.push(e instanceof Error ? e.message : String(e));
      }
      task.percent = 100;
      task.endTime = new Date().toISOString();
    });
    return task;
  }

  get(id: string): LabTask | undefined {
    return this.tasks.get(id);
  }

  list(): LabTask[] {
    return [...this.tasks.values()];
  }

  stop(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }

  private later(ms: number, fn: () => void): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      fn();
    }, ms);
    this.timers.add(t);
  }
}
