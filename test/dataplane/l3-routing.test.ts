// Issue 12, scenarios 1–4: a router between two tenant subnets (removing an interface cuts
// the path), SNAT to the gateway address, a floating IP that moves with its port, and a
// TCP port forwarding — through router namespaces the agents realize, to an "external"
// namespace on 203.0.113.0/24 reached over a flat provider network.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Topology, dataplaneSupport, run, waitFor } from './harness.ts';
import { EXTERNAL_HOST, l3Topology, routerHost, seenSource, sourceEchoServer, tenantNetwork, workload } from './l3-topology.ts';

const skip = dataplaneSupport();

test('router: two subnets, SNAT, floating IP moved between ports, port forwarding', { skip: skip ?? false, timeout: 300_000 }, async (t) => {
  const topo = new Topology();
  t.after(() => (process.env.NEUTRINO_DATAPLANE_KEEP ? console.log(`kept ${topo.prefix} ${topo.dir}`) : topo.cleanup()));
  const l3 = await l3Topology(topo);
  const { api } = l3;
  const a = await tenantNetwork(l3, 'a', '10.1.0.0/24');
  const b = await tenantNetwork(l3, 'b', '10.2.0.0/24');
  const router = (await api.post('/v2.0/routers', { router: { name: 'r1' } })).body.router;
  const ifA = (await api.put(`/v2.0/routers/${router.id}/add_router_interface`, { subnet_id: a.subnet.id })).body;
  await api.put(`/v2.0/routers/${router.id}/add_router_interface`, { subnet_id: b.subnet.id });
  const host = await routerHost(topo, router.id);
  const hv = host.slice(topo.prefix.length + 1);
  await topo.waitPortStatus(ifA.port_id, 'ACTIVE');

  const wa = await workload(l3, 'wa', 'hv1', a.net.id);
  const wb = await workload(l3, 'wb', 'hv2', b.net.id);

  // Scenario 1: across the router; the router namespace forwards, the hypervisor does not.
  await waitFor('wa reaches wb through the router', () => topo.ping(wa.ns, wb.ip, 1, 1));
  assert.equal(await topo.fetchName(wa.ns, wb.ip), 'wb');
  const rns = `${topo.prefix}-${hv}-qrouter-${router.id}`;
  assert.equal((await run('ip', ['netns', 'exec', rns, 'sysctl', '-n', 'net.ipv4.ip_forward'])).stdout.trim(), '1');
  assert.equal((await run('ip', ['netns', 'exec', topo.ns(hv), 'sysctl', '-n', 'net.ipv4.ip_forward'])).stdout.trim(), '0', 'ip_forward stays off on the hypervisor');
  // Interfaces carry the ports' gateway addresses and MACs.
  const qr = JSON.parse((await run('ip', ['-n', rns, '-j', 'addr', 'show', 'dev', `qr-${ifA.port_id.slice(0, 11)}`])).stdout)[0];
  const ifPort = (await topo.admin.get(`/v2.0/ports/${ifA.port_id}`)).body.port;
  assert.equal(qr.address, ifPort.mac_address);
  assert.ok(qr.addr_info.some((x: any) => x.local === '10.1.0.1' && x.prefixlen === 24));

  // Removing the interface cuts the path.
  await api.put(`/v2.0/routers/${router.id}/remove_router_interface`, { subnet_id: b.subnet.id });
  await waitFor('no route to wb once its subnet left the router', async () => !(await topo.ping(wa.ns, wb.ip, 1, 1)));
  await api.put(`/v2.0/routers/${router.id}/add_router_interface`, { subnet_id: b.subnet.id });
  await waitFor('wa reaches wb again', () => topo.ping(wa.ns, wb.ip, 1, 1));

  // Scenario 2: SNAT — the external listener sees the router's gateway address.
  await sourceEchoServer(topo, l3.ext, 9000);
  assert.equal(await seenSource(topo, wa.ns, EXTERNAL_HOST, 9000), null, 'no way out before the router has a gateway');
  const withGw = (await api.put(`/v2.0/routers/${router.id}`, { router: { external_gateway_info: { network_id: l3.extNet.id } } })).body.router;
  const gwIp = withGw.external_gateway_info.external_fixed_ips[0].ip_address;
  await waitFor('wa reaches the external host', () => topo.ping(wa.ns, EXTERNAL_HOST, 1, 1));
  assert.equal(await seenSource(topo, wa.ns, EXTERNAL_HOST, 9000), gwIp);
  assert.equal(await seenSource(topo, wb.ns, EXTERNAL_HOST, 9000), gwIp);
  // No NAT between the router's own subnets: wb's listener is reached from wa's own address.
  await sourceEchoServer(topo, wb.ns, 9001);
  assert.equal(await seenSource(topo, wa.ns, wb.ip, 9001), wa.ip);
  const gwPort = (await topo.admin.get(`/v2.0/ports?device_id=${router.id}&device_owner=network:router_gateway`)).body.ports[0];
  await topo.waitPortStatus(gwPort.id, 'ACTIVE');
  // enable_snat false: traffic leaves with its own address (and the external host has no route back).
  // (enable_snat is for admins, as in Neutron's default policy)
  assert.equal((await topo.admin.put(`/v2.0/routers/${router.id}`, { router: { external_gateway_info: { network_id: l3.extNet.id, enable_snat: false } } })).status, 200);
  await waitFor('no SNAT without enable_snat', async () => (await seenSource(topo, wa.ns, EXTERNAL_HOST, 9000)) === null);
  await topo.admin.put(`/v2.0/routers/${router.id}`, { router: { external_gateway_info: { network_id: l3.extNet.id, enable_snat: true } } });
  await waitFor('SNAT again', async () => (await seenSource(topo, wa.ns, EXTERNAL_HOST, 9000)) === gwIp);

  // Scenario 3: a floating IP reaches wa from outside; moved to wb, it reaches wb.
  const fip = (await api.post('/v2.0/floatingips', { floatingip: { floating_network_id: l3.extNet.id, port_id: wa.port.id } })).body.floatingip;
  const fipIp = fip.floating_ip_address;
  await waitFor('the floating IP answers', () => topo.ping(l3.ext, fipIp, 1, 1));
  assert.equal(await topo.fetchName(l3.ext, fipIp), 'wa');
  assert.equal(await seenSource(topo, wa.ns, EXTERNAL_HOST, 9000), fipIp, 'wa goes out with its floating IP');
  assert.equal(await seenSource(topo, wb.ns, EXTERNAL_HOST, 9000), gwIp, 'wb still goes out with the gateway address');
  await waitFor('floating IP status ACTIVE reported by the agent', async () => {
    const reports = (await topo.admin.get(`/v2.0/status-reports?resource=floatingips&id=${fip.id}`)).body.status_reports;
    return reports.length === 1 && reports[0].status === 'ACTIVE';
  });
  await api.put(`/v2.0/floatingips/${fip.id}`, { floatingip: { port_id: wb.port.id } });
  await waitFor('the floating IP moved to wb', async () => (await topo.fetchName(l3.ext, fipIp)) === 'wb');
  assert.equal(await seenSource(topo, wb.ns, EXTERNAL_HOST, 9000), fipIp);
  assert.equal(await seenSource(topo, wa.ns, EXTERNAL_HOST, 9000), gwIp);
  await api.put(`/v2.0/floatingips/${fip.id}`, { floatingip: { port_id: null } });
  await waitFor('a disassociated floating IP answers nothing', async () => (await topo.fetchName(l3.ext, fipIp)) === null);

  // Scenario 4: port forwarding — external TCP 2222 of a floating IP → wb:8080.
  const pfFip = (await api.post('/v2.0/floatingips', { floatingip: { floating_network_id: l3.extNet.id } })).body.floatingip;
  const pf = (await api.post(`/v2.0/floatingips/${pfFip.id}/port_forwardings`, {
    port_forwarding: { protocol: 'tcp', internal_port_id: wb.port.id, internal_ip_address: wb.ip, internal_port: 8080, external_port: 2222 },
  })).body.port_forwarding;
  await waitFor('the forwarded port answers', async () => (await run('ip', ['netns', 'exec', l3.ext, 'curl', '-s', '--max-time', '2', `http://${pfFip.floating_ip_address}:2222/`])).stdout.trim() === 'wb');
  assert.equal(await topo.fetchName(l3.ext, pfFip.floating_ip_address), null, 'only the forwarded port is open');

  // The NAT table is one nftables table in the router namespace, none on the hypervisor.
  const tables = JSON.parse((await run('ip', ['netns', 'exec', rns, 'nft', '-j', 'list', 'tables'])).stdout).nftables.filter((x: any) => x.table).map((x: any) => x.table.name);
  assert.deepEqual(tables, ['neutrino-router']);

  // Deleting the router (after its interfaces) removes its namespace.
  assert.equal((await api.del(`/v2.0/floatingips/${pfFip.id}/port_forwardings/${pf.id}`)).status, 204);
  await waitFor('a removed port forwarding answers nothing', async () => (await run('ip', ['netns', 'exec', l3.ext, 'curl', '-s', '--max-time', '2', `http://${pfFip.floating_ip_address}:2222/`])).code !== 0);
  const fipDeleted = await api.del(`/v2.0/floatingips/${pfFip.id}`);
  assert.equal(fipDeleted.status, 204, JSON.stringify(fipDeleted.body));
  assert.equal((await api.del(`/v2.0/floatingips/${fip.id}`)).status, 204);
  assert.equal((await api.put(`/v2.0/routers/${router.id}`, { router: { external_gateway_info: {} } })).status, 200);
  for (const s of [a.subnet, b.subnet]) {
    const removed = await api.put(`/v2.0/routers/${router.id}/remove_router_interface`, { subnet_id: s.id });
    assert.equal(removed.status, 200, JSON.stringify(removed.body));
  }
  const deleted = await api.del(`/v2.0/routers/${router.id}`);
  assert.equal(deleted.status, 204, JSON.stringify(deleted.body));
  await waitFor('router namespace removed', async () => !(await run('ip', ['netns', 'list'])).stdout.includes(rns));
});
