import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig } from '../../src/config.js';
import { parseConnection } from '../../src/store/database.js';

function file(text: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'ferrite-conf-')), 'ferrite.conf');
  writeFileSync(path, text);
  return path;
}

describe('configuration', () => {
  it('has working defaults without a file', () => {
    const c = loadConfig(undefined, {});
    assert.equal(c.api.port, 6385);
    assert.equal(c.api.hostIp, '127.0.0.1');
    assert.equal(c.authStrategy, 'noauth');
    assert.deepEqual(c.drivers.enabledHardwareTypes, ['fake-hardware', 'ipmi', 'redfish']);
    assert.equal(c.database.connection, 'sqlite:///ferrite.db');
  });

  it('reads Ironic section and option names, lists and delays', () => {
    const c = loadConfig(file(`
[DEFAULT]
enabled_hardware_types = fake-hardware
enabled_console_interfaces = fake, no-console
default_console_interface = no-console
[api]
port = 7000
public_endpoint = https://bm.example.com/
[conductor]
deploy_callback_timeout = 30
automated_clean = False
[fake]
deploy_delay = 1:3
[keystone_authtoken]
auth_url = http://ignored
`), {});
    assert.equal(c.api.port, 7000);
    assert.equal(c.api.publicEndpoint, 'https://bm.example.com');
    assert.deepEqual(c.drivers.enabledInterfaces.console, ['fake', 'no-console']);
    assert.equal(c.drivers.defaultInterfaces.console, 'no-console');
    assert.equal(c.conductor.deployCallbackTimeout, 30);
    assert.equal(c.conductor.automatedClean, false);
    assert.deepEqual(c.drivers.fakeDelays.deploy, { min: 1, max: 3 });
  });

  it('lets the environment override the file', () => {
    const c = loadConfig(file('[api]\nport = 7000\n'), { FERRITE_API__PORT: '7100', FERRITE_DEFAULT__HOST: 'c9' });
    assert.equal(c.api.port, 7100);
    assert.equal(c.host, 'c9');
  });

  for (const [text, pattern] of [
    ['[api]\nport = seventy\n', /\[api\] port = "seventy" is not an integer/],
    ['[api]\nport = 70000\n', /above the maximum/],
    ['[api]\nprot = 1\n', /unknown option \[api\] prot/],
    ['[DEFAULT]\nauth_strategy = keystone\n', /not one of: noauth, http_basic/],
    ['[conductor]\nautomated_clean = maybe\n', /not a boolean/],
    ['[fake]\ndeploy_delay = 3:1\n', /max below min/],
    ['[DEFAULT]\nenabled_console_interfaces = fake\ndefault_console_interface = no-console\n', /not in enabled_console_interfaces/],
    ['[api]\npublic_endpoint = bm.example.com\n', /must be an http/],
  ] as const) {
    it(`rejects ${text.trim().replace(/\n/g, ' ')}`, () => {
      assert.throws(() => loadConfig(file(text), {}), (e: unknown) => e instanceof ConfigError && pattern.test(e.message));
    });
  }

  it('parses database URLs the way Ironic writes them', () => {
    assert.deepEqual(parseConnection('sqlite:////var/lib/f.db', '/base'), { dialect: 'sqlite', path: '/var/lib/f.db' });
    assert.deepEqual(parseConnection('sqlite:///f.db', '/base'), { dialect: 'sqlite', path: '/base/f.db' });
    assert.deepEqual(parseConnection('postgresql+psycopg2://u:p@h:5432/db', '/'), { dialect: 'postgres', url: 'postgresql://u:p@h:5432/db' });
    assert.throws(() => parseConnection('mysql://u:secret@h/db', '/'), (e: Error) => /unsupported/.test(e.message) && !e.message.includes('secret'));
  });
});
