/**
 * The agent's own log: JSON lines kept in memory (bounded), so `log.collect_system_logs` can hand them to the
 * conductor without the agent writing files on the server it is provisioning. Implements the image pipeline's
 * ImageLog. Callers pass only non-secret fields: image_info credentials and configdrives are never logged.
 */
import type { ImageLog } from './image/http-source.js';

const DEFAULT_MAX_LINES = 10_000;

export class AgentLog implements ImageLog {
  private readonly lines: string[] = [];

  constructor(private readonly maxLines = DEFAULT_MAX_LINES, private readonly echo?: (line: string) => void) {}

  private add(level: string, obj: object, msg: string): void {
    const line = JSON.stringify({ time: new Date().toISOString(), level, msg, ...obj });
    this.lines.push(line);
    // Oldest lines go first: a long-running agent keeps its most recent history.
    if (this.lines.length > this.maxLines) this.lines.splice(0, this.lines.length - this.maxLines);
    this.echo?.(line);
  }

  info(obj: object, msg: string): void {
    this.add('info', obj, msg);
  }

  warn(obj: object, msg: string): void {
    this.add('warn', obj, msg);
  }

  error(obj: object, msg: string): void {
    this.add('error', obj, msg);
  }

  text(): string {
    return this.lines.length ? this.lines.join('\n') + '\n' : '';
  }
}
