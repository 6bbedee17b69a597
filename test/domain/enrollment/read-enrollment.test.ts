import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readEnrollment } from '../../../src/domain/enrollment/read-enrollment.js';
import { mapPmType } from '../../../src/domain/enrollment/pm-types.js';
import { bmcIdentity } from '../../../src/domain/enrollment/bmc-identity.js';

const fixture = (name: string) => readFileSync(join(import.meta.dirname, '../../fixtures/enroll', name), 'utf8');

function problemsOf(text: string) {
  const r = readEnrollment(text);
  assert.equal(r.ok, false, 'expected the file to be refused');
  return r.ok ? [] : r.problems;
}

describe('pm_type mapping', () => {
  it('maps hardware types and legacy classic drivers as TripleO does', () => {
    assert.deepEqual(mapPmType('ipmi'), { driver: 'ipmi', prefix: 'ipmi_' });
    assert.equal((mapPmType('pxe_ipmitool') as { driver: string }).driver, 'ipmi');
    assert.equal((mapPmType('agent_ipmitool') as { legacy?: string }).legacy, 'agent_ipmitool');
    assert.equal((mapPmType('pxe_ipminative') as { driver: string }).driver, 'ipmi');
    assert.equal((mapPmType('redfish') as { driver: string }).driver, 'redfish');
    assert.equal((mapPmType('fake') as { driver: string }).driver, 'fake-hardware');
    assert.equal((mapPmType('fake_pxe') as { driver: string }).driver, 'fake-hardware');
  });
  it('refuses hardware types Ferrite lacks, saying what to use', () => {
    assert.match((mapPmType('pxe_drac') as { error: string }).error, /idrac.*redfish/i);
    assert.match((mapPmType('ilo') as { error: string }).error, /iLO/);
    assert.match((mapPmType('bogus') as { error: string }).error, /unknown pm_type "bogus"/);
  });
});

describe('instackenv files', () => {
  it('become node bodies with Ironic driver_info and property names', () => {
    const r = readEnrollment(fixture('instackenv-valid.json'));
    assert.ok(r.ok, JSON.stringify(r));
    assert.equal(r.document.format, 'instackenv');
    const [ipmi, legacy, redfish, fake, fake1] = r.document.nodes;
    assert.deepEqual(ipmi.node, {
      driver: 'ipmi', name: 'rack1-ipmi-0',
      driver_info: { ipmi_address: '192.0.2.10', ipmi_username: 'admin', ipmi_password: 's3cret-ipmi', ipmi_port: 6230, ipmi_cipher_suite: '17' },
      properties: { cpus: 4, memory_mb: 8192, local_gb: 40, cpu_arch: 'x86_64', capabilities: 'boot_mode:uefi,profile:compute' },
    });
    assert.deepEqual(ipmi.createDefaults, { resource_class: 'baremetal' });
    assert.deepEqual(ipmi.ports.map((p) => p.address), ['52:54:00:aa:00:01']);
    assert.equal(legacy.node.driver, 'ipmi');
    assert.match(legacy.warnings[0], /pxe_ipmitool is a legacy name/);
    assert.deepEqual(legacy.ports.map((p) => p.address), ['52:54:00:aa:00:02', '52:54:00:aa:00:03']);
    assert.deepEqual(redfish.node.driver_info, {
      redfish_address: 'https://bmc.example.test:8443', redfish_system_id: '/redfish/v1/Systems/1', redfish_username: 'root',
      redfish_password: 's3cret-redfish', redfish_verify_ca: false,
    });
    assert.equal((redfish.node.properties as Record<string, unknown>).capabilities, 'boot_mode:uefi,node:controller-0');
    assert.equal(fake.node.driver, 'fake-hardware');
    assert.deepEqual(fake.node.driver_info, {});
    assert.equal(fake1.node.driver, 'fake-hardware');
  });

  it('reports a missing pm_addr (and a redfish node without one) with node index and field', () => {
    const problems = problemsOf(fixture('missing-pm-addr.json'));
    assert.deepEqual(problems.map((p) => [p.index, p.field]), [[1, 'pm_addr'], [2, 'pm_addr']]);
  });

  it('reports MACs given twice, across nodes and within one, whatever their spelling', () => {
    const problems = problemsOf(fixture('duplicate-macs.json'));
    assert.deepEqual(problems.map((p) => [p.index, p.field]), [[1, 'mac[0]'], [2, 'mac[1]']]);
    assert.match(problems[0].message, /52:54:00:dd:02:02 is also given for node 0 \(mac\[1\]\)/);
  });

  it('reports unknown and unsupported pm_types', () => {
    const problems = problemsOf(fixture('unknown-pm-type.json'));
    assert.deepEqual(problems.map((p) => [p.index, p.field]), [[1, 'pm_type'], [2, 'pm_type']]);
    assert.match(problems[0].message, /unknown pm_type "pxe_magic"/);
    assert.match(problems[1].message, /unsupported pm_type "pxe_ilo"/);
  });

  it('reports every wrongly typed field of every node', () => {
    const problems = problemsOf(fixture('wrong-types.json'));
    assert.deepEqual(problems.map((p) => [p.index, p.field]), [
      [0, 'pm_addr'], [0, 'pm_port'], [0, 'mac'], [1, 'cpu'], [1, 'memory'], [1, 'mac[0]'], [2, 'node'],
    ]);
  });

  it('names the line of a JSON syntax error', () => {
    const problems = problemsOf(fixture('broken-json.json'));
    assert.equal(problems.length, 1);
    assert.equal(problems[0].index, null);
    assert.equal(problems[0].line, 7);
    assert.match(problems[0].message, /^Invalid JSON at line 7/);
  });
});

describe('Ironic create files', () => {
  it('read JSON with nested ports, port groups and traits', () => {
    const r = readEnrollment(fixture('ironic-create.json'));
    assert.ok(r.ok, JSON.stringify(r));
    assert.equal(r.document.format, 'ironic');
    const [fake, redfish] = r.document.nodes;
    assert.equal(fake.node.driver, 'fake-hardware');
    assert.equal('ports' in fake.node, false);
    assert.deepEqual(fake.traits, ['CUSTOM_GOLD']);
    assert.deepEqual(fake.ports.map((p) => [p.address, p.fields]), [['52:54:00:bb:00:01', { pxe_enabled: true }]]);
    assert.equal(fake.portgroups[0].fields.name, 'create-fake-0-bond0');
    assert.deepEqual(fake.portgroups[0].ports.map((p) => p.address), ['52:54:00:bb:00:02', '52:54:00:bb:00:03']);
    assert.equal((redfish.node.driver_info as Record<string, unknown>).redfish_system_id, '/redfish/v1/Systems/7');
  });

  it('read YAML the same way', () => {
    const r = readEnrollment(fixture('ironic-create.yaml'));
    assert.ok(r.ok, JSON.stringify(r));
    assert.deepEqual(r.document.nodes.map((n) => n.node.name), ['yaml-fake-0', 'yaml-ipmi-0']);
    assert.equal(r.document.nodes[0].portgroups[0].ports.length, 2);
  });

  it('name the line of a YAML syntax error, and refuse chassis, mixed formats and nodes without driver', () => {
    const bad = problemsOf('nodes:\n  - driver: fake-hardware\n    name: [unclosed\n');
    assert.equal(bad[0].index, null);
    assert.match(bad[0].message, /^Invalid YAML at line \d+/);
    assert.ok(bad[0].line);
    assert.deepEqual(problemsOf('{"chassis": [], "nodes": [{"driver": "fake-hardware"}]}').map((p) => p.field), ['chassis']);
    assert.match(problemsOf('{"nodes": [{"driver": "ipmi"}, {"pm_type": "ipmi"}]}')[0].message, /mix/);
    assert.deepEqual(problemsOf('{"nodes": [{"properties": {}, "ports": [{"address": "x"}]}]}').map((p) => [p.index, p.field]),
      [[0, 'driver'], [0, 'ports[0].address']]);
  });

  it('refuse empty files and documents without a node list', () => {
    assert.match(problemsOf('')[0].message, /empty/);
    assert.match(problemsOf('[]')[0].message, /object with a "nodes" list/);
    assert.match(problemsOf('{"nodes": []}')[0].message, /no nodes/);
  });
});

describe('BMC identity', () => {
  it('names the same BMC alike however the address is written', () => {
    assert.equal(bmcIdentity('ipmi', { ipmi_address: '10.0.0.1' }), bmcIdentity('ipmi', { ipmi_address: '10.0.0.1', ipmi_port: '623' }));
    assert.notEqual(bmcIdentity('ipmi', { ipmi_address: '10.0.0.1' }), bmcIdentity('ipmi', { ipmi_address: '10.0.0.1', ipmi_port: 6230 }));
    assert.equal(
      bmcIdentity('redfish', { redfish_address: 'https://BMC/', redfish_system_id: '/redfish/v1/Systems/1' }),
      bmcIdentity('redfish', { redfish_address: 'bmc', redfish_system_id: 'redfish/v1/Systems/1/' }),
    );
    assert.equal(bmcIdentity('fake-hardware', {}), null);
  });
});
