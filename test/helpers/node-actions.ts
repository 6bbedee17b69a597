import assert from 'node:assert/strict';
import { waitFor, type apiClient } from './service.js';

/**
 * Drives nodes through the API the way an operator's script does: ask, then wait until the node has no target
 * states and no reservation. A node that does not settle fails the test with its state, not just "timed out".
 * `client` is read at each call, so suites can create their service in before().
 */
export function nodeActions(client: () => ReturnType<typeof apiClient>, settleMs = 20_000) {
  const api = {
    get: (path: string) => client().get(path),
    put: (path: string, body: unknown) => client().put(path, body),
  };
  async function settled(uuid: string) {
    return waitFor(async () => {
      const n = (await api.get(`/v1/nodes/${uuid}`)).body;
      return n.target_provision_state === null && n.target_power_state === null && n.reservation === null ? n : undefined;
    }, settleMs, `node ${uuid} to settle`).catch(async (e: Error) => {
      const n = (await api.get(`/v1/nodes/${uuid}`)).body;
      const state = { provision_state: n.provision_state, target: n.target_provision_state, power: n.target_power_state, reservation: n.reservation, last_error: n.last_error };
      throw new Error(`${e.message}: ${JSON.stringify(state)}`);
    });
  }
  async function provision(uuid: string, target: string) {
    const r = await api.put(`/v1/nodes/${uuid}/states/provision`, { target });
    assert.equal(r.status, 202, r.text);
    return settled(uuid);
  }
  async function power(uuid: string, target: string, timeout?: number) {
    const r = await api.put(`/v1/nodes/${uuid}/states/power`, timeout === undefined ? { target } : { target, timeout });
    assert.equal(r.status, 202, r.text);
    return settled(uuid);
  }
  return { settled, provision, power };
}
