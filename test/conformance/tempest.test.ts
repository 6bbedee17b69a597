import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { MAX_VERSION } from '../../src/domain/api-version.js';
import { testDialects } from '../helpers/databases.js';
import { startTestService, type TestService } from '../helpers/service.js';
import { runTempest, type TempestResult } from './tempest-runner.js';

/**
 * OpenStack's own Bare Metal API tests against a running Ferrite. Every test of the baseline must keep passing
 * (the count only goes up), and every test that does not pass must be explained in docs/compatibility.md.
 */
const baseline = JSON.parse(readFileSync(new URL('./baseline.json', import.meta.url), 'utf8')) as { passing: string[] };
const compatibility = readFileSync(new URL('../../docs/compatibility.md', import.meta.url), 'utf8');

for (const dialect of testDialects()) {
  describe(`ironic-tempest-plugin API tests against Ferrite on ${dialect}`, { timeout: 900_000 }, () => {
    let svc: TestService;
    let result: TempestResult;

    before(async () => {
      svc = await startTestService(dialect);
      result = await runTempest(svc.url, MAX_VERSION);
    });
    after(() => svc?.close());

    it('ran the suite', () => {
      assert.ok(result.passed.length + result.failed.length > 200, `tempest ran too few tests:\n${result.log.slice(-4000)}`);
    });

    it('keeps every baseline test passing', () => {
      const passed = new Set(result.passed);
      const regressed = baseline.passing.filter((id) => !passed.has(id));
      assert.deepEqual(regressed, [], `tests that passed before fail now:\n${result.log.slice(-8000)}`);
    });

    it('explains every test that does not pass in docs/compatibility.md', () => {
      const unexplained = [...result.failed, ...result.skipped.map((s) => s.id)].filter((id) => {
        const short = id.replace(/^ironic_tempest_plugin\.tests\.api\.admin\./, '');
        return !compatibility.includes(short);
      });
      assert.deepEqual(unexplained, []);
    });
  });
}
