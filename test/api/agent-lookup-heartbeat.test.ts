import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { ProvisionState } from '../../src/domain/provision-state-machine.js';
import { testDialects } from '../helpers/databases.js';
import { apiClient, faultOf, startTestService, type TestService } from '../helpers/service.js';

/*
 * The agent's side of the API: lookup by MAC or node UUID (only for nodes that wait for an agent), the agent token
 * handed out once, and heartbeats authenticated by that token. A node is put into `wait call-back` through the
 * store, as the deploy flow leaves it while the agent boots.
 */

for (const dialect of testDialects()) {
  describe(`agent lookup and heartbeat on ${dialect}`, () => {
    let svc: TestService;
    let api: ReturnType<typeof apiClient>;
    let seq = 0;

    before(async () => {
      svc = await startTestService(dialect);
      api = apiClient(svc.url);
    });
    after(() => svc.close());

    /** A node with one port, in `state` (set in the store, as a flow would), returned with its MAC. */
    async function nodeIn(state: string) {
      seq += 1;
      const mac = `52:54:00:aa:00:${seq.toString(16).padStart(2, '0')}`;
      const node = (await api.post('/v1/nodes', { driver: 'fake-hardware', properties: { cpus: 4 }, instance_info: { image_source: 'http://images/x.img', image_checksum: 'abc' } })).body;
      assert.equal((await api.post('/v1/ports', { node_uuid: node.uuid, address: mac })).status, 201);
      const row = await svc.service.store.nodes.getByUuid(node.uuid);
      await svc.service.store.nodes.update(row!.id, { provision_state: state as ProvisionState });
      return { uuid: node.uuid as string, mac };
    }
    const internal = async (uuid: string) => (await svc.service.store.nodes.getByUuid(uuid))!.driver_internal_info;

    it('finds a waiting node by MAC and hands out its token once', async () => {
      const { uuid, mac } = await nodeIn('wait call-back');
      const r = await api.get(`/v1/lookup?addresses=${mac.toUpperCase()},not-a-mac`);
      assert.equal(r.status, 200, r.text);
      assert.equal(r.body.node.uuid, uuid);
      assert.deepEqual(r.body.node.properties, { cpus: 4 });
      assert.equal(r.body.node.links[0].href, `${svc.url}/v1/nodes/${uuid}`);
      const token = r.body.config.agent_token as string;
      assert.match(token, /^[A-Za-z0-9_-]{43}$/);
      assert.equal(r.body.config.agent_token_required, true);
      assert.equal(r.body.config.heartbeat_timeout, 300);
      assert.equal((await internal(uuid)).agent_secret_token, token);
      assert.equal(r.body.node.driver_internal_info.agent_secret_token, '******', 'the node document masks it');

      const again = await api.get(`/v1/lookup?node_uuid=${uuid}`);
      assert.equal(again.body.config.agent_token, '******', 'only the first lookup gets the token');
      assert.equal(again.body.node.driver_internal_info.agent_secret_token, '******');
    });

    it('answers 404 for unknown MACs and for nodes that wait for no agent, 400 without an address', async () => {
      assert.equal((await api.get('/v1/lookup?addresses=52:54:00:ff:ff:ff')).status, 404);
      const { mac, uuid } = await nodeIn('available');
      assert.equal((await api.get(`/v1/lookup?addresses=${mac}`)).status, 404);
      assert.equal((await internal(uuid)).agent_secret_token, undefined);
      const r = await api.get('/v1/lookup?addresses=garbage');
      assert.equal(r.status, 400);
      assert.match(faultOf(r.body) ?? '', /at least one valid MAC address/);
      assert.equal((await api.get(`/v1/lookup?addresses=${mac}`, { version: '1.21' })).status, 404, 'lookup exists from 1.22');
    });

    it('records a heartbeat with the right token, refuses one without or with a wrong one and changes nothing', async () => {
      const { uuid, mac } = await nodeIn('clean wait');
      const token = (await api.get(`/v1/lookup?addresses=${mac}`)).body.config.agent_token as string;

      let r = await api.post(`/v1/heartbeat/${uuid}`, { callback_url: 'http://127.0.0.1:9999' });
      assert.equal(r.status, 400);
      assert.equal(faultOf(r.body), 'Agent token is required for heartbeat processing.');
      r = await api.post(`/v1/heartbeat/${uuid}`, { callback_url: 'http://127.0.0.1:9999', agent_token: 'x'.repeat(43) });
      assert.equal(r.status, 400);
      assert.equal(faultOf(r.body), 'Invalid or missing agent token received.');
      assert.equal((await internal(uuid)).agent_url, undefined, 'a refused heartbeat records nothing');

      r = await api.post(`/v1/heartbeat/${uuid}`, { callback_url: 'http://127.0.0.1:9999', agent_token: token, agent_version: '9.1.0' });
      assert.equal(r.status, 202, r.text);
      assert.equal(r.text, '');
      const info = await internal(uuid);
      assert.equal(info.agent_url, 'http://127.0.0.1:9999');
      assert.equal(info.agent_version, '9.1.0');
      assert.ok(typeof info.agent_last_heartbeat === 'string');

      r = await api.post(`/v1/heartbeat/${uuid}`, { callback_url: 'http://10.0.0.9:9999', agent_token: token });
      assert.equal(r.status, 400);
      assert.equal(faultOf(r.body), 'Detected change in ramdisk provided "callback_url"');
      assert.equal((await internal(uuid)).agent_url, 'http://127.0.0.1:9999');
    });

    it('checks heartbeat fields by version and form', async () => {
      const { uuid, mac } = await nodeIn('inspect wait');
      const token = (await api.get(`/v1/lookup?addresses=${mac}`)).body.config.agent_token as string;
      const cases: [Record<string, unknown>, string | undefined, RegExp][] = [
        [{ agent_token: token }, undefined, /Missing argument: "callback_url"/],
        [{ callback_url: 'ftp://x', agent_token: token }, undefined, /must be an http:\/\/ or https:\/\/ URL/],
        [{ callback_url: 'http://a:1', agent_token: token, agent_version: '1' }, '1.35', /agent_version.*1\.36/],
        [{ callback_url: 'http://a:1', agent_token: token, agent_verify_ca: 'pem' }, '1.67', /agent_verify_ca.*1\.68/],
        [{ callback_url: 'http://a:1', agent_token: token, surprise: 1 }, undefined, /Unknown field\(s\): surprise/],
        [{ callback_url: 'http://a:1', agent_token: 42 }, undefined, /"agent_token" must be a string/],
      ];
      for (const [body, version, message] of cases) {
        const r = await api.post(`/v1/heartbeat/${uuid}`, body, version ? { version } : {});
        assert.equal(r.status, 400, JSON.stringify(body));
        assert.match(faultOf(r.body) ?? '', message);
      }
      assert.equal((await internal(uuid)).agent_url, undefined);
    });

    it('ignores a heartbeat from a node that waits for no agent', async () => {
      const { uuid, mac } = await nodeIn('wait call-back');
      const token = (await api.get(`/v1/lookup?addresses=${mac}`)).body.config.agent_token as string;
      const row = await svc.service.store.nodes.getByUuid(uuid);
      await svc.service.store.nodes.update(row!.id, { provision_state: ProvisionState.active });
      const r = await api.post(`/v1/heartbeat/${uuid}`, { callback_url: 'http://127.0.0.1:9999', agent_token: token });
      assert.equal(r.status, 202);
      assert.equal((await internal(uuid)).agent_url, undefined);
    });
  });
}
