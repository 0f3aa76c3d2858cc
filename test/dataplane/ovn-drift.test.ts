// Drift repair: what someone changes by hand in the OVN northbound database (a deleted
// Logical_Switch_Port, a stray ACL on a Neutrino port group, a changed column, a switch
// named like Neutrino's that no network wants) is put back by the periodic full reconcile,
// which counts what it repaired.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startOvnEnv, ovnSupport, type OvnEnv } from './ovn-env.ts';
import { portGroupName, switchName } from '../../src/backends/ovn/names.ts';
import { driftRepairs } from '../../src/backends/ovn/metrics.ts';

const skip = ovnSupport() ?? false;

async function repaired(): Promise<number> {
  return (await driftRepairs.get()).values.reduce((sum, v) => sum + v.value, 0);
}

async function until(what: string, fn: () => Promise<boolean>, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await fn())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('ovn backend: drift repair', { skip }, () => {
  let env: OvnEnv;
  let net: any, sg: any, port: any;

  before(async () => {
    env = await startOvnEnv({ resyncSeconds: 1 });
    const a = env.server.admin;
    net = (await a.post('/v2.0/networks', { network: { name: 'drift' } })).body.network;
    await a.post('/v2.0/subnets', { subnet: { network_id: net.id, cidr: '10.9.0.0/24', ip_version: 4 } });
    sg = (await a.post('/v2.0/security-groups', { security_group: { name: 'drift-sg' } })).body.security_group;
    port = (await a.post('/v2.0/ports', { port: { network_id: net.id, name: 'drift-port', security_groups: [sg.id] } })).body.port;
    await env.settle();
  });

  after(async () => {
    await env?.close();
  });

  it('restores a deleted port, drops a stray ACL and an unwanted switch, resets a changed column', async () => {
    const pg = portGroupName(sg.id);
    const aclCount = async () => (await env.nbctl('--bare', '--columns=acls', 'list', 'Port_Group', pg)).trim().split(/\s+/).filter(Boolean).length;
    const acls = await aclCount();
    assert.ok(acls >= 2, 'the group has its egress rules');
    const before = await repaired();

    await env.nbctl('lsp-del', port.id);
    await env.nbctl('--type=port-group', 'acl-add', pg, 'to-lport', '2000', 'ip4', 'allow');
    await env.nbctl('ls-add', switchName('00000000-0000-4000-8000-000000000000'));
    await env.nbctl('set', 'Logical_Switch', switchName(net.id), 'external_ids:neutron\\:network_name=renamed');

    await until('the port to be restored', async () => (await env.nbctl('--bare', '--columns=name', 'find', 'Logical_Switch_Port', `name=${port.id}`)).trim() === port.id);
    await until('the stray ACL to be removed', async () => (await aclCount()) === acls);
    await until('the unwanted switch to be deleted', async () => !(await env.nbctl('ls-list')).includes('00000000-0000-4000-8000-000000000000'));
    await until('the column to be reset', async () => (await env.nbctl('get', 'Logical_Switch', switchName(net.id), 'external_ids:neutron\\:network_name')).trim() === '"drift"' || (await env.nbctl('get', 'Logical_Switch', switchName(net.id), 'external_ids:neutron\\:network_name')).trim() === 'drift');
    // The restored port is back in its switch and its port groups, with its addresses.
    assert.match(await env.nbctl('lsp-list', switchName(net.id)), new RegExp(port.id));
    assert.match(await env.nbctl('get', 'Logical_Switch_Port', port.id, 'addresses'), new RegExp(port.mac_address));
    assert.ok((await repaired()) - before >= 4, `at least 4 rows repaired (counted ${(await repaired()) - before})`);
  });

  it('leaves rows it does not manage alone', async () => {
    await env.nbctl('ls-add', 'operator-switch');
    await env.nbctl('lsp-add', 'operator-switch', 'operator-port');
    const before = await repaired();
    // Two resyncs later the operator's rows are still there, and nothing was repaired.
    await new Promise((r) => setTimeout(r, 2500));
    assert.match(await env.nbctl('lsp-list', 'operator-switch'), /operator-port/);
    assert.equal(await repaired(), before);
  });
});
