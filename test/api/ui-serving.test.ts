import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import bcrypt from 'bcryptjs';
import { uiDirectory } from '../../src/api/resources/ui.js';
import { startTestService, type TestService } from '../helpers/service.js';

const HTML = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8';

describe('the browser UI served by the API', () => {
  let svc: TestService;
  const dir = mkdtempSync(join(tmpdir(), 'ferrite-ui-'));
  const htpasswd = join(dir, 'htpasswd');
  const get = (path: string, headers: Record<string, string> = {}, method = 'GET') => fetch(`${svc.url}${path}`, { method, headers });

  before(async () => {
    // scripts/test.sh builds the UI before the tests, as bin/ferrite.js does before `ferrite serve`.
    assert.ok(existsSync(join(uiDirectory(), 'index.html')), 'the UI is not built: node scripts/build-ui.mjs');
    writeFileSync(htpasswd, `admin:${bcrypt.hashSync('pw', 5)}\n`);
    svc = await startTestService('sqlite', { DEFAULT: { auth_strategy: 'http_basic', http_basic_auth_user_file: htpasswd } });
  });
  after(async () => {
    await svc.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('gives a browser the page at / and API clients the version document, without credentials', async () => {
    const page = await get('/', { Accept: HTML });
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-type') ?? '', /^text\/html/);
    assert.match(page.headers.get('content-security-policy') ?? '', /default-src 'self'/);
    assert.equal(page.headers.get('cache-control'), 'no-cache');
    const html = await page.text();
    assert.match(html, /<div id="root"><\/div>/);
    assert.match(html, /src="\/ui\/assets\/[^"]+\.js"/);

    for (const accept of [undefined, 'application/json', '*/*']) {
      const doc = await get('/', accept ? { Accept: accept } : {});
      assert.equal(doc.status, 200, accept);
      assert.match(doc.headers.get('content-type') ?? '', /^application\/json/);
      const body = await doc.json() as { versions: { id: string }[] };
      assert.equal(body.versions[0].id, 'v1');
    }
    const ui = await get('/ui/', { Accept: HTML });
    assert.equal(ui.status, 200);
    assert.equal(await ui.text(), html);
  });

  it('serves the hashed assets for good, and nothing else under /ui/', async () => {
    const html = await (await get('/', { Accept: HTML })).text();
    const assets = [...html.matchAll(/(?:src|href)="(\/ui\/assets\/[^"]+)"/g)].map((m) => m[1]);
    assert.ok(assets.some((a) => a.endsWith('.js')) && assets.some((a) => a.endsWith('.css')), assets.join(' '));
    for (const asset of assets) {
      const r = await get(asset);
      assert.equal(r.status, 200, asset);
      assert.match(r.headers.get('cache-control') ?? '', /immutable/);
      assert.ok((await r.arrayBuffer()).byteLength > 0);
    }
    const onDisk = readdirSync(join(uiDirectory(), 'assets'));
    assert.ok(assets.every((a) => onDisk.includes(a.split('/').pop()!)));
    assert.equal((await get('/ui/assets/nope.js')).status, 404);
    assert.equal((await get('/ui/assets/..%2f..%2fferrite.js')).status, 404);
    assert.equal((await get('/ui/', {}, 'POST')).status, 405);
  });

  it('keeps the API behind credentials: the page holds no data', async () => {
    const r = await get('/v1/nodes', { 'X-OpenStack-Ironic-API-Version': 'latest' });
    assert.equal(r.status, 401);
    const events = await get('/ferrite/v1/events');
    assert.equal(events.status, 401);
    await events.text();
  });

  it('answers a method a Ferrite route lacks with 405 and Allow', async () => {
    const r = await get('/ferrite/v1/enroll', { Authorization: `Basic ${Buffer.from('admin:pw').toString('base64')}` });
    assert.equal(r.status, 405);
    assert.equal(r.headers.get('allow'), 'POST');
    await r.text();
  });
});
