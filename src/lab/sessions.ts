// Redfish sessions (X-Auth-Token). Held in memory only: a restarted BMC forgets its sessions, as real ones do.
import { randomBytes } from 'node:crypto';

export interface Session {
  id: string;
  token: string;
  user: string;
  createdAt: number;
  lastUsed: number;
}

const SWEEP_ABOVE = 1000;

export class Sessions {
  timeoutSec = 600;
  private readonly byToken = new Map<string, Session>();
  private readonly byId = new Map<string, Session>();

  create(user: string): Session {
    if (this.byToken.size > SWEEP_ABOVE) this.sweep();
    const now = Date.now();
    const session: Session = {
      id: randomBytes(8).toString('hex'),
      token: randomBytes(24).toString('hex'),
      user,
      createdAt: now,
      lastUsed: now,
    };
    this.byToken.set(session.token, session);
    this.byId.set(session.id, session);
    return session;
  }

  /** The session for a token, refreshed; undefined when unknown or idle for longer than the timeout. */
  use(token: string): Session | undefined {
    const s = this.byToken.get(token);
    if (s === undefined) return undefined;
    const now = Date.now();
    if (now - s.lastUsed > this.timeoutSec * 1000) {
      this.remove(s);
      return undefined;
    }
    s.lastUsed = now;
    return s;
  }

  get(id: string): Session | undefined {
    const s = this.byId.get(id);
    if (s !== undefined && Date.now() - s.lastUsed > this.timeoutSec * 1000) {
      this.remove(s);
      return undefined;
    }
    return s;
  }

  delete(id: string): boolean {
    const s = this.byId.get(id);
    if (s === undefined) return false;
    this.remove(s);
    return true;
  }

  list(): Session[] {
    this.sweep();
    return [...this.byId.values()];
  }

  private sweep(): void {
    const limit = Date.now() - this.timeoutSec * 1000;
    for (const s of this.byId.values()) if (s.lastUsed < limit) this.remove(s);
  }

  private remove(s: Session): void {
    this.byToken.delete(s.token);
    this.byId.delete(s.id);
  }
}
