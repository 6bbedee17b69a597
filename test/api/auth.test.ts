import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import bcrypt from 'bcryptjs';
import { loadConfig } from '../../src/config.js';
import { startService } from '../../src/service.js';
import { pino } from 'pino';
import { apiClient, faultOf, startTestService, type TestService } from '../helpers/service.js';

describe('http_basic authentication', () => {
  let svc: TestService;
  const dir = mkdtempSync(join(tmpdir(), 'ferrite-auth-'));
  const htpasswd = join(dir, 'htpasswd');

  before(async () => {
    // htpasswd -B writes $2y$ hashes; Ferrite must accept them.
    const hash = bcrypt.hashSync('correct horse', 5).replace(/^\$2[ab]\$/, '$2y$');
    writeFileSync(htpasswd, `# operators\nadmin:${hash}\n`);
    svc = await startTestService('sqlite', { DEFAULT: { auth_strategy: 'http_basic', http_basic_auth_user_file: htpasswd } });
  });
  after(() => svc.close());

  const basic = (user: string, pass: string) => `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;

  it('keeps version discovery public', async () => {
    const api = apiClient(svc.url);
    assert.equal((await api.get('/')).status, 200);
    assert.equal((await api.get('/v1')).status, 200);
  });

  it('refuses missing and wrong credentials with 401 in Ironic format', async () => {
    const api = apiClient(svc.url);
    const none = await api.get('/v1/nodes');
    assert.equal(none.status, 401);
    assert.equal(none.headers.get('www-authenticate'), 'Basic realm="Baremetal API"');
    assert.equal(faultOf(none.body), 'Authentication required');
    for (const auth of [basic('admin', 'wrong'), basic('nobody', 'correct horse'), 'Bearer abc', 'Basic !!!']) {
      const r = await api.call('GET', '/v1/nodes', undefined, { headers: { Authorization: auth } });
      assert.equal(r.status, 401, auth);
    }
    const write = await api.call('POST', '/v1/nodes', { driver: 'fake-hardware' }, { headers: { Authorization: basic('admin', 'nope') } });
    assert.equal(write.status, 401);
    assert.equal(await svc.service.store.nodes.count(), 0, 'a refused request changes nothing');
  });

  it('accepts the right credentials', async () => {
    const api = apiClient(svc.url);
    const r = await api.call('POST', '/v1/nodes', { driver: 'fake-hardware', name: 'authed' }, { headers: { Authorization: basic('admin', 'correct horse') } });
    assert.equal(r.status, 201);
    const again = await api.call('GET', '/v1/nodes', undefined, { headers: { Authorization: basic('admin', 'correct horse') } });
    assert.equal(again.body.nodes.length, 1);
  });
});

describe('noauth exposure', () => {
  it('refuses to serve without authentication on a non-loopback address unless forced', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ferrite-noauth-'));
    const config = loadConfig(undefined, { FERRITE_API__HOST_IP: '0.0.0.0', FERRITE_DEFAULT__STATE_PATH: dir });
    await assert.rejects(startService(config, pino({ level: 'silent' })), /refusing to serve without authentication/);
  });
});
