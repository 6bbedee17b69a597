import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, bootSettings, loadConfig } from '../../src/config.js';

/** `[api] public_endpoint`, `[deploy] http_url`, `[conductor] deploy_kernel/deploy_ramdisk`, `[pxe] kernel_append_params`. */
describe('boot settings', () => {
  const env = (vars: Record<string, string>) => loadConfig(undefined, vars);

  it('defaults to Ferrite\'s own boot files under the address the API listens on', () => {
    assert.deepEqual(bootSettings(env({})), {
      apiUrl: 'http://127.0.0.1:6385',
      httpUrl: 'http://127.0.0.1:6385/boot',
      deployKernel: 'http://127.0.0.1:6385/boot/agent/kernel',
      deployRamdisk: 'http://127.0.0.1:6385/boot/agent/ramdisk',
      kernelAppendParams: 'nofb nomodeset vga=normal',
    });
    assert.equal(bootSettings(env({ FERRITE_API__HOST_IP: '0.0.0.0', FERRITE_API__PORT: '0' }), 41234).apiUrl, 'http://127.0.0.1:41234');
    assert.equal(bootSettings(env({ FERRITE_API__HOST_IP: '::' })).apiUrl, 'http://127.0.0.1:6385');
    assert.equal(bootSettings(env({ FERRITE_API__HOST_IP: 'fd00::5' })).apiUrl, 'http://[fd00::5]:6385');
  });

  it('builds each default on the option before it, and takes what is set', () => {
    const fromEndpoint = bootSettings(env({ FERRITE_API__PUBLIC_ENDPOINT: 'https://bm.example.com/' }));
    assert.equal(fromEndpoint.apiUrl, 'https://bm.example.com');
    assert.equal(fromEndpoint.deployRamdisk, 'https://bm.example.com/boot/agent/ramdisk');
    const set = bootSettings(env({
      FERRITE_DEPLOY__HTTP_URL: 'http://10.0.0.1:8080/files/',
      FERRITE_CONDUCTOR__DEPLOY_RAMDISK: 'http://images.example/ramdisk',
      FERRITE_PXE__KERNEL_APPEND_PARAMS: ' console=ttyS0 ',
    }));
    assert.equal(set.httpUrl, 'http://10.0.0.1:8080/files');
    assert.equal(set.deployKernel, 'http://10.0.0.1:8080/files/agent/kernel');
    assert.equal(set.deployRamdisk, 'http://images.example/ramdisk');
    assert.equal(set.kernelAppendParams, 'console=ttyS0');
  });

  it('refuses URLs that are not http(s)', () => {
    for (const [name, option] of [['FERRITE_DEPLOY__HTTP_URL', /\[deploy\] http_url/], ['FERRITE_CONDUCTOR__DEPLOY_KERNEL', /\[conductor\] deploy_kernel/]] as const) {
      assert.throws(() => env({ [name]: 'tftp://10.0.0.1/k' }), (e: Error) => e instanceof ConfigError && option.test(e.message) && /http:\/\/ or https:\/\//.test(e.message));
    }
  });
});
