import type { Conductor } from '../../domain/resources.js';
import { RowCodec, TableRepository } from '../table-repository.js';

export const conductorCodec = new RowCodec<Conductor>(['drivers'], ['online']);

export class ConductorRepository extends TableRepository<'conductors', Conductor> {
  getByHostname(hostname: string) {
    return this.one('hostname', hostname);
  }

  /** Registers (or re-registers after a restart) a conductor as online with the hardware types it serves. */
  async register(hostname: string, group: string, drivers: string[], now: string): Promise<Conductor> {
    const existing = await this.getByHostname(hostname);
    if (existing) {
      return (await this.update(existing.id, { conductor_group: group, drivers, online: true, updated_at: now }))!;
    }
    return this.insert({ hostname, conductor_group: group, drivers, online: true, created_at: now, updated_at: now });
  }

  async heartbeat(hostname: string, now: string): Promise<void> {
    await this.db.updateTable('conductors').set({ updated_at: now, online: 1 }).where('hostname', '=', hostname).execute();
  }

  async unregister(hostname: string, now: string): Promise<void> {
    await this.db.updateTable('conductors').set({ online: 0, updated_at: now }).where('hostname', '=', hostname).execute();
  }
}
