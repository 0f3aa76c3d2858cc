// Scenarios 5 and 6: status follows reality (admin down, port deleted, dead or unknown
// host, VLAN refused), and the agent converges after kill -9 and a restart while ports
// changed, and after a bridge is deleted by hand, without disturbing flows that are right.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Topology, dataplaneSupport, waitFor, run } from './harness.ts';

const skip = dataplaneSupport();

async function network(topo: Topology, name: string, cidr: string) {
  const api = topo.admin.as({ project: 'project-a', roles: 'member' });
  const net = (await api.post('/v2.0/networks', { network: { name } })).body.network;
  const subnet = (await api.post('/v2.0/subnets', { subnet: { network_id: net.id, cidr, ip_version: 4 } })).body.subnet;
  return { api, net, subnet };
}

test('status follows reality: admin down, port deleted, dead or unknown host, VLAN refused; DHCP moves off a dead agent', { skip: skip ?? false, timeout: 240_000 }, async (t) => {
  const topo = new Topology();
  t.after(() => (process.env.NEUTRINO_DATAPLANE_KEEP ? console.log(`kept ${topo.prefix} ${topo.dir}`) : topo.cleanup()));
  await topo.start({ 'network.network_vlan_ranges': ['physnet1:100:200'] });
  await topo.addHypervisor('hv1');
  await topo.addHypervisor('hv2');
  const hv1 = `${topo.prefix}-hv1`;
  const hv2 = `${topo.prefix}-hv2`;
  const { api, net } = await network(topo, 'n5', '10.50.0.0/24');
  const p1 = (await api.post('/v2.0/ports', { port: { network_id: net.id } })).body.port;
  const p2 = (await api.post('/v2.0/ports', { port: { network_id: net.id } })).body.port;
  const w1 = await topo.addWorkload('w1', 'hv1', p1.id);
  const w2 = await topo.addWorkload('w2', 'hv2', p2.id);
  await topo.waitPortStatus(p1.id, 'ACTIVE');
  await topo.waitPortStatus(p2.id, 'ACTIVE');
  await topo.dhcp(w1);
  await topo.dhcp(w2);
  const ip2 = p2.fixed_ips[0].ip_address;
  assert.ok(await topo.ping(w1, ip2, 2));

  // Port admin down: DOWN, and no traffic; up again: ACTIVE, traffic.
  await topo.admin.put(`/v2.0/ports/${p2.id}`, { port: { admin_state_up: false } });
  await topo.waitPortStatus(p2.id, 'DOWN');
  assert.equal(await topo.ping(w1, ip2, 1, 1), false, 'no traffic to an admin-down port');
  await topo.admin.put(`/v2.0/ports/${p2.id}`, { port: { admin_state_up: true } });
  await topo.waitPortStatus(p2.id, 'ACTIVE');
  await waitFor('traffic again', () => topo.ping(w1, ip2, 1, 1));

  // Network admin down takes its ports down on every host.
  await topo.admin.put(`/v2.0/networks/${net.id}`, { network: { admin_state_up: false } });
  await topo.waitPortStatus(p1.id, 'DOWN');
  await topo.waitPortStatus(p2.id, 'DOWN');
  assert.equal(await topo.ping(w1, ip2, 1, 1), false, 'no traffic on an admin-down network');
  await topo.admin.put(`/v2.0/networks/${net.id}`, { network: { admin_state_up: true } });
  await topo.waitPortStatus(p1.id, 'ACTIVE');
  await topo.waitPortStatus(p2.id, 'ACTIVE');
  await waitFor('traffic again', () => topo.ping(w1, ip2, 1, 1));

  // A deleted port loses connectivity, and hv1 forgets its MAC.
  assert.equal((await topo.admin.del(`/v2.0/ports/${p2.id}`)).status, 204);
  await waitFor('no traffic to a deleted port', async () => !(await topo.ping(w1, ip2, 1, 1)));
  const vni = (await topo.admin.get(`/v2.0/networks/${net.id}`)).body.network['provider:segmentation_id'];
  await waitFor('hv1 FDB without the deleted port', async () => !(await run('bridge', ['-n', `${topo.prefix}-hv1`, 'fdb', 'show', 'dev', `vxlan-${vni}`])).stdout.includes(`${p2.mac_address} dst`));

  // Unknown host, VLAN network: binding_failed with the reason for admins.
  const unknown = (await topo.admin.post('/v2.0/ports', { port: { network_id: net.id, 'binding:host_id': 'nowhere' } })).body.port;
  assert.equal(unknown['binding:vif_type'], 'binding_failed');
  assert.match(unknown['binding:vif_details'].reason, /no Linux bridge agent is registered on host nowhere/);
  assert.equal(unknown.status, 'DOWN');
  const vlan = (await topo.admin.post('/v2.0/networks', { network: { name: 'v', 'provider:network_type': 'vlan', 'provider:physical_network': 'physnet1', 'provider:segmentation_id': 150 } })).body.network;
  const onVlan = (await topo.admin.post('/v2.0/ports', { port: { network_id: vlan.id, 'binding:host_id': hv1 } })).body.port;
  assert.equal(onVlan['binding:vif_type'], 'binding_failed');
  assert.match(onVlan['binding:vif_details'].reason, /802\.1Q/);
  const hidden = (await api.get(`/v2.0/ports/${unknown.id}`)).body.port;
  assert.equal(hidden['binding:vif_details'], undefined, 'binding details are for admins');

  // A dead agent: its ports go DOWN, its host binds nothing, and its DHCP networks move to a live agent.
  const p3 = (await api.post('/v2.0/ports', { port: { network_id: net.id } })).body.port;
  await topo.addWorkload('w3', 'hv2', p3.id);
  await topo.waitPortStatus(p3.id, 'ACTIVE');
  await topo.killAgent('hv2');
  await waitFor('hv2 agents dead', async () => (await topo.admin.get(`/v2.0/agents?host=${hv2}`)).body.agents.every((a: any) => a.alive === false), 20_000, 500);
  // The port it realized goes DOWN with the reason; the binding stays (src/backends/linux/driver.ts).
  const p3down = await topo.waitPortStatus(p3.id, 'DOWN', 20_000);
  assert.equal(p3down['binding:vif_type'], 'tap');
  const why = (await topo.admin.get(`/v2.0/status-reports?resource=ports&id=${p3.id}`)).body.status_reports[0];
  assert.match(why.reason, new RegExp(`Linux bridge agent on host ${hv2} is dead`));
  const dead = (await topo.admin.post('/v2.0/ports', { port: { network_id: net.id, 'binding:host_id': hv2 } })).body.port;
  assert.equal(dead['binding:vif_type'], 'binding_failed');
  assert.match(dead['binding:vif_details'].reason, /is dead/);
  const hv1Dhcp = (await topo.admin.get(`/v2.0/agents?host=${hv1}&agent_type=DHCP%20agent`)).body.agents[0];
  await waitFor('the network hosted by the live DHCP agent', async () => {
    const hosting = (await topo.admin.get(`/v2.0/networks/${net.id}/dhcp-agents`)).body.agents;
    return hosting.length === 1 && hosting[0].id === hv1Dhcp.id;
  }, 20_000, 500);
  const lease = await topo.dhcp(w1);
  assert.equal(lease.ip, p1.fixed_ips[0].ip_address, 'DHCP still answers after the move');
});

test('agent kill -9 and restart while ports change, bridge deleted by hand: converges; flows keep working', { skip: skip ?? false, timeout: 240_000 }, async (t) => {
  const topo = new Topology();
  t.after(() => (process.env.NEUTRINO_DATAPLANE_KEEP ? console.log(`kept ${topo.prefix} ${topo.dir}`) : topo.cleanup()));
  await topo.start();
  await topo.addHypervisor('hv1');
  await topo.addHypervisor('hv2');
  const hv1ns = `${topo.prefix}-hv1`;
  const { api, net } = await network(topo, 'n6', '10.60.0.0/24');
  const ports: any[] = [];
  for (let i = 0; i < 4; i++) ports.push((await api.post('/v2.0/ports', { port: { network_id: net.id, name: `p${i}` } })).body.port);
  const ip = (i: number) => ports[i].fixed_ips[0].ip_address;
  const w0 = await topo.addWorkload('w0', 'hv1', ports[0].id);
  const w1 = await topo.addWorkload('w1', 'hv2', ports[1].id);
  const w3 = await topo.addWorkload('w3', 'hv1', ports[3].id);
  for (const i of [0, 1, 3]) await topo.waitPortStatus(ports[i].id, 'ACTIVE');
  for (const ns of [w0, w1, w3]) await topo.dhcp(ns);
  assert.ok(await topo.ping(w0, ip(1), 2));
  assert.ok(await topo.ping(w3, ip(1), 1));

  // A steady flow from w0 to w1 across the restart: 40 pings, 0.1 s apart.
  const flow = topo.exec(w0, 'busybox', ['ping', '-c', '40', '-i', '0.1', '-W', '1', ip(1)], 30_000);
  await new Promise((r) => setTimeout(r, 500));
  await topo.killAgent('hv1', 'SIGKILL');
  // While hv1's agent is down: p2 gets plugged on hv1, p3 is deleted.
  const w2 = await topo.addWorkload('w2', 'hv1', ports[2].id);
  assert.equal((await topo.admin.del(`/v2.0/ports/${ports[3].id}`)).status, 204);
  const agent = topo.agents.get('hv1')!;
  topo.startAgent('hv1', agent.config);
  const restarted = await flow;
  const loss = /(\d+)% packet loss/.exec(restarted.stdout)?.[1];
  assert.equal(loss, '0', `the flow kept working through the restart: ${restarted.stdout.split('\n').slice(-3).join(' ')}`);

  await topo.waitPortStatus(ports[2].id, 'ACTIVE');
  await topo.dhcp(w2);
  assert.ok(await topo.ping(w2, ip(1), 2), 'the port added while the agent was down works');
  await waitFor('the port deleted while the agent was down is cut off', async () => !(await topo.ping(w3, ip(1), 1, 1)));
  await waitFor('restart logged', async () => /initial reconcile done/.test(topo.agentLog('hv1')));

  // A bridge deleted by hand comes back with its ports, VXLAN device and FDB.
  await run('ip', ['-n', hv1ns, 'link', 'del', `brq${net.id.slice(0, 11)}`]);
  assert.equal(await topo.ping(w0, ip(1), 1, 1), false);
  await waitFor('traffic through the re-created bridge', () => topo.ping(w0, ip(1), 1, 1), 30_000, 200);
  assert.ok(await topo.ping(w2, ip(1), 1));
});
