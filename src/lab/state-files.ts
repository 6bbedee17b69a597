// Persistence of the lab's state. Writes are atomic (temporary file, then rename) so a crash never leaves half a
// JSON document, and per-server writes are batched: a burst of resets across 1,000 servers costs one write per
// server per flush interval instead of one per change.
import { renameSync, writeFileSync } from 'node:fs';

export function writeFileAtomic(path: string, data: string, mode = 0o644): void {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, data, { mode });
  renameSync(tmp, path);
}

export function writeJsonAtomic(path: string, value: unknown): void {
  writeFileAtomic(path, JSON.stringify(value, null, 2) + '\n');
}

export interface Persistable {
  statePath: string;
  persistedState(): unknown;
}

export class BatchedWriter {
  private readonly dirty = new Set<Persistable>();
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly delayMs = 100) {}

  mark(item: Persistable): void {
    this.dirty.add(item);
    // One timer for the whole lab, and only while something is dirty: idle labs keep no timers.
    if (this.timer === undefined) {
      this.timer = setTimeout(() => this.flush(), this.delayMs);
      this.timer.unref();
    }
  }

  flush(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    const items = [...this.dirty];
    this.dirty.clear();
    for (const item of items) writeJsonAtomic(item.statePath, item.persistedState());
  }
}
