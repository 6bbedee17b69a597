import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { MAX_VERSION } from '../../src/domain/api-version.js';
import { testDialects } from '../helpers/databases.js';
import { startTestService, type TestService } from '../helpers/service.js';
import { runTempest, type Outcome, type TempestResult } from './tempest-runner.js';

/**
 * OpenStack's own Bare Metal API tests (ironic-tempest-plugin) against a running Ferrite, on each database.
 * The tests listed in baseline.json must keep passing, so the number that pass only goes up; every test that does
 * not pass must be explained, one line each, in docs/compatibility.md. A missing tempest fails the run (the
 * runner installs Debian's package when it can); it is never skipped.
 */
const baseline = JSON.parse(readFileSync(new URL('./baseline.json', import.meta.url), 'utf8')) as { passing: string[] };
const compatibility = readFileSync(new URL('../../docs/compatibility.md', import.meta.url), 'utf8');

/** `ironic_tempest_plugin.tests.api.admin.test_nodes.TestNodes.test_x` → `test_nodes.TestNodes.test_x`, as the doc names it. */
function shortId(id: string): string {
  return id.replace(/^ironic_tempest_plugin\.tests\.api\.(admin\.)?/, '');
}

/** The doc explains a test when a line names it in backticks and gives a reason after it. */
function explained(id: string): boolean {
  const name = `\`${shortId(id)}\``;
  return compatibility.split('\n').some((line) => {
    const at = line.indexOf(name);
    return at >= 0 && line.slice(at + name.length).replace(/[\s—:.-]/g, '').length >= 10;
  });
}

function describeOutcomes(outcomes: Outcome[]): string {
  return outcomes.map((o) => `  ${shortId(o.id)}: ${o.reason}`).join('\n');
}

for (const dialect of testDialects()) {
  describe(`ironic-tempest-plugin API tests against Ferrite on ${dialect}`, { timeout: 1_500_000 }, () => {
    let svc: TestService | undefined;
    let result: TempestResult;

    before(async () => {
      svc = await startTestService(dialect);
      result = await runTempest(svc.url, { maxMicroversion: MAX_VERSION, concurrency: 2, timeoutMs: 1_200_000 });
    });
    after(async () => {
      await svc?.close();
    });

    it('authenticates through the Keystone stub and runs every API test', () => {
      // Which scopes tempest asks for depends on how it hands out the pre-provisioned accounts between workers.
      assert.ok(result.tokens.project + result.tokens.system > 0, `tokens issued: ${JSON.stringify(result.tokens)}`);
      assert.ok(result.listed.length >= 200, `tempest selected only ${result.listed.length} tests:\n${result.log.slice(-4000)}`);
      const accounted = result.passed.length + result.failed.length + result.skipped.length;
      assert.equal(accounted, result.listed.length, 'every selected test has exactly one outcome');
    });

    it('keeps every baseline test passing', (t) => {
      const passed = new Set(result.passed);
      const regressed = baseline.passing.filter((id) => !passed.has(id));
      const why = result.failed.concat(result.skipped).filter((o) => regressed.includes(o.id));
      assert.deepEqual(regressed, [], `baseline tests that do not pass any more:\n${describeOutcomes(why)}`);
      assert.ok(result.passed.length >= baseline.passing.length);
      const known = new Set(baseline.passing);
      const newlyPassing = result.passed.filter((id) => !known.has(id));
      if (newlyPassing.length > 0) {
        t.diagnostic(`${newlyPassing.length} tests pass that baseline.json does not list yet; add them:\n${newlyPassing.join('\n')}`);
      }
      t.diagnostic(`${dialect}: ${result.passed.length} passed, ${result.failed.length} failed, ${result.skipped.length} skipped of ${result.listed.length} in ${Math.round(result.seconds)} s`);
    });

    it('explains every test that does not pass in docs/compatibility.md', () => {
      const unexplained = result.failed.concat(result.skipped).filter((o) => !explained(o.id));
      assert.deepEqual(unexplained.map((o) => shortId(o.id)), [], `not explained in docs/compatibility.md:\n${describeOutcomes(unexplained)}`);
    });
  });
}
