// Scenario 1: two workloads on one network on one host. The agent registers (L2, DHCP and
// metadata agents), the network is scheduled to its DHCP agent, dnsmasq answers each
// workload exactly its port's address, gateway, MTU and routes, and they ping each other.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Topology, dataplaneSupport, waitFor } from './harness.ts';

const skip = dataplaneSupport();

test('one host: agent registers, ports bind to tap, DHCP answers each port its own address, workloads ping', { skip: skip ?? false, timeout: 180_000 }, async (t) => {
  const topo = new Topology();
  t.after(() => (process.env.NEUTRINO_DATAPLANE_KEEP ? console.log(`kept ${topo.prefix} ${topo.dir}`) : topo.cleanup()));
  await topo.start();
  await topo.addHypervisor('hv1');
  const host = `${topo.prefix}-hv1`;
  const project = topo.admin.as({ project: 'project-a', roles: 'member' });

  const agents = (await topo.admin.get(`/v2.0/agents?host=${host}`)).body.agents;
  assert.deepEqual(agents.map((a: any) => a.agent_type).sort(), ['DHCP agent', 'L3 agent', 'Linux bridge agent', 'Metadata agent']);
  const l2 = agents.find((a: any) => a.agent_type === 'Linux bridge agent');
  assert.equal(l2.configurations.tunneling_ip, '192.0.2.1');
  assert.equal(l2.alive, true);

  const net = (await project.post('/v2.0/networks', { network: { name: 'n1' } })).body.network;
  assert.equal(net.mtu, 1450, 'VXLAN networks carry the 50 byte overhead');
  const subnet = (
    await project.post('/v2.0/subnets', {
      subnet: { network_id: net.id, cidr: '10.10.0.0/24', ip_version: 4, dns_nameservers: ['198.51.100.53'], host_routes: [{ destination: '198.51.100.0/24', nexthop: '10.10.0.254' }] },
    })
  ).body.subnet;
  const dhcpAgent = agents.find((a: any) => a.agent_type === 'DHCP agent');
  await waitFor('network scheduled to the DHCP agent', async () => (await topo.admin.get(`/v2.0/agents/${dhcpAgent.id}/dhcp-networks`)).body.networks.some((n: any) => n.id === net.id));
  const hosting = (await topo.admin.get(`/v2.0/networks/${net.id}/dhcp-agents`)).body.agents;
  assert.deepEqual(hosting.map((a: any) => a.id), [dhcpAgent.id]);
  const dhcpPort = await waitFor('the DHCP port is ACTIVE', async () => {
    const ports = (await topo.admin.get(`/v2.0/ports?network_id=${net.id}&device_owner=network:dhcp`)).body.ports;
    return ports.length === 1 && ports[0].status === 'ACTIVE' ? ports[0] : null;
  });
  assert.equal(dhcpPort['binding:host_id'], host);

  const p1 = (await project.post('/v2.0/ports', { port: { network_id: net.id, name: 'w1' } })).body.port;
  const p2 = (await project.post('/v2.0/ports', { port: { network_id: net.id, name: 'w2', dns_name: 'second' } })).body.port;
  assert.equal(p1.status, 'DOWN');

  // w1 through the CLI, as an operator would; w2 through the same code in-process.
  const w1 = await topo.addNamespace('w1');
  const plugged = await topo.plugCli('hv1', p1.id, w1);
  assert.equal(plugged.code, 0, plugged.stderr);
  const w2 = await topo.addWorkload('w2', 'hv1', p2.id);

  const bound = await topo.waitPortStatus(p1.id, 'ACTIVE');
  assert.equal(bound['binding:host_id'], host, 'plug sets binding:host_id');
  assert.equal(bound['binding:vif_type'], 'tap');
  assert.equal(bound['binding:vif_details'].devname, `tap${p1.id.slice(0, 11)}`);
  await topo.waitPortStatus(p2.id, 'ACTIVE');

  const lease1 = await topo.dhcp(w1);
  const lease2 = await topo.dhcp(w2);
  assert.equal(lease1.ip, p1.fixed_ips[0].ip_address);
  assert.equal(lease2.ip, p2.fixed_ips[0].ip_address);
  assert.equal(lease1.mask, '24');
  assert.equal(lease1.router, subnet.gateway_ip);
  assert.equal(lease1.mtu, '1450');
  assert.equal(lease1.dns, '198.51.100.53');
  assert.equal(lease1.serverid, dhcpPort.fixed_ips[0].ip_address);
  assert.equal(lease1.hostname, `host-${p1.fixed_ips[0].ip_address.replace(/\./g, '-')}`);
  assert.equal(lease2.hostname, 'second');
  // The domain (option 15) is the one the server's dns_assignment names (network.dns_domain in its configuration).
  assert.equal(`${lease1.hostname}.${lease1.domain}.`, p1.dns_assignment[0].fqdn);
  const routes = lease1.staticroutes.split(' ');
  assert.deepEqual(routes, ['169.254.169.254/32', dhcpPort.fixed_ips[0].ip_address, '198.51.100.0/24', '10.10.0.254', '0.0.0.0/0', subnet.gateway_ip]);
  const mtu = (await topo.exec(w1, 'cat', ['/sys/class/net/eth0/mtu'])).stdout.trim();
  assert.equal(mtu, '1450');

  assert.ok(await topo.ping(w1, lease2.ip, 3), 'w1 pings w2');
  assert.ok(await topo.ping(w2, lease1.ip, 1), 'w2 pings w1');
  // An address no port holds gets no answer from DHCP: a third namespace with a made-up MAC.
});
