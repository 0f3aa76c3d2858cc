// Scenario 3: a flat provider network through physical_interface_mappings (physnet1 →
// `physif`, a veth standing in for the NIC, on a "physical" bridge the test owns), with an
// outside host on it at 203.0.113.1 (a documentation range).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Topology, dataplaneSupport, must, run } from './harness.ts';

const skip = dataplaneSupport();

test('flat provider network through the mapped interface', { skip: skip ?? false, timeout: 180_000 }, async (t) => {
  const topo = new Topology();
  t.after(() => (process.env.NEUTRINO_DATAPLANE_KEEP ? console.log(`kept ${topo.prefix} ${topo.dir}`) : topo.cleanup()));
  await topo.start();
  await topo.addHypervisor('hv1');
  await topo.addHypervisor('hv2');
  // The outside host on the provider segment.
  const ext = await topo.addNamespace('ext');
  await must('ip', ['-n', topo.ns('ul'), 'link', 'add', 'x-ext', 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ext]);
  await must('ip', ['-n', topo.ns('ul'), 'link', 'set', 'x-ext', 'master', 'phys', 'up']);
  await must('ip', ['-n', ext, 'addr', 'add', '203.0.113.1/24', 'dev', 'eth0']);
  await must('ip', ['-n', ext, 'link', 'set', 'eth0', 'up']);

  const net = (await topo.admin.post('/v2.0/networks', { network: { name: 'provider', shared: true, 'provider:network_type': 'flat', 'provider:physical_network': 'physnet1' } })).body.network;
  assert.equal(net.mtu, 1500);
  const subnet = (await topo.admin.post('/v2.0/subnets', { subnet: { network_id: net.id, cidr: '203.0.113.0/24', ip_version: 4, gateway_ip: '203.0.113.1', allocation_pools: [{ start: '203.0.113.10', end: '203.0.113.99' }] } })).body.subnet;
  const api = topo.admin.as({ project: 'project-a', roles: 'member' });
  const p1 = (await api.post('/v2.0/ports', { port: { network_id: net.id } })).body.port;
  const p2 = (await api.post('/v2.0/ports', { port: { network_id: net.id } })).body.port;
  const w1 = await topo.addWorkload('w1', 'hv1', p1.id);
  const w2 = await topo.addWorkload('w2', 'hv2', p2.id);
  await topo.waitPortStatus(p1.id, 'ACTIVE');
  await topo.waitPortStatus(p2.id, 'ACTIVE');
  const l1 = await topo.dhcp(w1);
  const l2 = await topo.dhcp(w2);
  assert.equal(l1.ip, p1.fixed_ips[0].ip_address);
  assert.equal(l2.ip, p2.fixed_ips[0].ip_address);
  assert.equal(l1.router, subnet.gateway_ip);
  assert.equal(l1.mtu, '1500');

  assert.ok(await topo.ping(w1, '203.0.113.1', 2), 'w1 reaches the outside host');
  assert.ok(await topo.ping(w2, '203.0.113.1', 1), 'w2 reaches the outside host');
  assert.ok(await topo.ping(w1, l2.ip, 1), 'w1 reaches w2 across hosts over the provider segment');
  // The mapped interface is the bridge's uplink; no VXLAN device for a flat network.
  for (const hv of ['hv1', 'hv2']) {
    const links = JSON.parse((await run('ip', ['-n', topo.ns(hv), '-j', '-d', 'link', 'show'])).stdout);
    const physif = links.find((l: any) => l.ifname === 'physif');
    assert.equal(physif.master, `brq${net.id.slice(0, 11)}`);
    assert.equal(links.filter((l: any) => l.linkinfo?.info_kind === 'vxlan').length, 0);
  }
});
