// Issue 12, what a router realizes beyond scenarios 1–4, with packets:
// - status from the dataplane: a router is BUILD until its L3 agent realized it, a floating IP
//   DOWN until then (and DOWN again when released), router ports follow the router's state;
// - a floating IP announced by gratuitous ARP; moved or released, its established flow stops
//   at once (conntrack entries flushed), not only new connections;
// - port forwarding of a port range onto a range, port by port;
// - hairpin: a workload reaches another workload of its subnet by that one's floating IP;
// - address scopes: routed without NAT inside one scope, not routed across scopes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Topology, dataplaneSupport, must, run, waitFor } from './harness.ts';
import { EXTERNAL_HOST, counterMoves, l3Topology, routerHost, seenSource, sourceEchoServer, tenantNetwork, udpCounter, udpFlow, workload } from './l3-topology.ts';

const skip = dataplaneSupport();

test('router status from the agent, gratuitous ARP, conntrack flush on move and release, port range forwarding, hairpin', { skip: skip ?? false, timeout: 300_000 }, async (t) => {
  const topo = new Topology();
  t.after(() => (process.env.NEUTRINO_DATAPLANE_KEEP ? console.log(`kept ${topo.prefix} ${topo.dir}`) : topo.cleanup()));
  const l3 = await l3Topology(topo, ['hv1']);
  const { api } = l3;
  const status = async (collection: string, id: string) => (await topo.admin.get(`/v2.0/${collection}/${id}`)).body[collection === 'routers' ? 'router' : collection === 'ports' ? 'port' : 'floatingip'].status;
  const waitStatus = (collection: string, id: string, wanted: string) => waitFor(`${collection} ${id} ${wanted}`, async () => (await status(collection, id)) === wanted, 40_000, 200);

  const a = await tenantNetwork(l3, 'a', '10.1.0.0/24');
  const router = (await api.post('/v2.0/routers', { router: { name: 'r-nat', external_gateway_info: { network_id: l3.extNet.id } } })).body.router;
  assert.equal(router.status, 'BUILD', 'no agent has realized the router yet');
  const ifA = (await api.put(`/v2.0/routers/${router.id}/add_router_interface`, { subnet_id: a.subnet.id })).body;
  await routerHost(topo, router.id);
  await waitStatus('routers', router.id, 'ACTIVE');
  const gwPort = (await topo.admin.get(`/v2.0/ports?device_id=${router.id}&device_owner=network:router_gateway`)).body.ports[0];
  await waitStatus('ports', ifA.port_id, 'ACTIVE');
  await waitStatus('ports', gwPort.id, 'ACTIVE');
  const gwIp = gwPort.fixed_ips[0].ip_address;
  const rns = `${topo.prefix}-hv1-qrouter-${router.id}`;

  const wa = await workload(l3, 'wa', 'hv1', a.net.id);
  const wb = await workload(l3, 'wb', 'hv1', a.net.id);

  // Gratuitous ARP: with arp_accept the external host learns the floating IP's MAC from the
  // announcement alone (it sends nothing to the floating IP before checking).
  await must('ip', ['netns', 'exec', l3.ext, 'sysctl', '-qw', 'net.ipv4.conf.eth0.arp_accept=1']);
  const created = (await api.post('/v2.0/floatingips', { floatingip: { floating_network_id: l3.extNet.id, port_id: wa.port.id } })).body.floatingip;
  assert.equal(created.status, 'DOWN', 'DOWN until an L3 agent has realized it');
  const fip = created.floating_ip_address as string;
  await waitStatus('floatingips', created.id, 'ACTIVE');
  const announced = await waitFor('the gratuitous ARP reached the external host', async () => {
    const neigh = JSON.parse((await run('ip', ['-n', l3.ext, '-j', 'neigh', 'show', fip])).stdout || '[]');
    return neigh[0]?.lladdr ?? null;
  }, 10_000, 200);
  assert.equal(announced, gwPort.mac_address);

  // Moving the floating IP moves an established flow: one UDP 5-tuple, a datagram every 50 ms
  // (its conntrack entry never expires by itself), reaches wb as soon as the agent flushed it.
  const toA = udpCounter(topo, wa.ns, 9200);
  const toB = udpCounter(topo, wb.ns, 9200);
  await new Promise((r) => setTimeout(r, 500));
  udpFlow(topo, l3.ext, fip, 9200, 40000, 90);
  await waitFor('the flow reaches wa', async () => toA() > 5, 20_000, 200);
  const flushesBefore = (topo.agentLog('hv1').match(/connections of a changed floating IP mapping flushed/g) ?? []).length;
  await api.put(`/v2.0/floatingips/${created.id}`, { floatingip: { port_id: wb.port.id } });
  await waitFor('the same flow reaches wb after the move', async () => toB() > 5, 20_000, 200);
  assert.equal(await counterMoves(toA), false, 'wa gets nothing more of the flow');
  assert.ok((topo.agentLog('hv1').match(/connections of a changed floating IP mapping flushed/g) ?? []).length > flushesBefore);
  await waitStatus('floatingips', created.id, 'ACTIVE');

  // Hairpin: wa reaches wb (same subnet) by wb's floating IP; wb sees the router's gateway address.
  assert.equal(await topo.fetchName(wa.ns, fip), 'wb');
  await sourceEchoServer(topo, wb.ns, 9300);
  assert.equal(await seenSource(topo, wa.ns, fip, 9300), gwIp);
  // A workload with a floating IP of its own hairpins from that address (Neutron's float-snat).
  const own = (await api.post('/v2.0/floatingips', { floatingip: { floating_network_id: l3.extNet.id, port_id: wa.port.id } })).body.floatingip;
  await waitStatus('floatingips', own.id, 'ACTIVE');
  assert.equal(await seenSource(topo, wa.ns, fip, 9300), own.floating_ip_address);
  assert.equal((await api.del(`/v2.0/floatingips/${own.id}`)).status, 204);
  await waitFor('wa hairpins from the gateway address again', async () => (await seenSource(topo, wa.ns, fip, 9300)) === gwIp);

  // Released: the flow stops at once (not when its conntrack entry would expire); the agent reports DOWN.
  await api.put(`/v2.0/floatingips/${created.id}`, { floatingip: { port_id: null } });
  await waitStatus('floatingips', created.id, 'DOWN');
  await waitFor('the released floating IP delivers nothing', async () => !(await counterMoves(toB)), 20_000, 100);
  assert.equal(await counterMoves(toA), false);

  // Port forwarding of a range onto a range, port by port: 7080:7090 → wb 8080:8090.
  const pfFip = (await api.post('/v2.0/floatingips', { floatingip: { floating_network_id: l3.extNet.id } })).body.floatingip;
  const pf = await api.post(`/v2.0/floatingips/${pfFip.id}/port_forwardings`, {
    port_forwarding: { protocol: 'tcp', internal_port_id: wb.port.id, internal_ip_address: wb.ip, internal_port_range: '8080:8090', external_port_range: '7080:7090' },
  });
  assert.equal(pf.status, 201, JSON.stringify(pf.body));
  await sourceEchoServer(topo, wb.ns, 8085);
  const get = async (port: number) => {
    const r = await run('ip', ['netns', 'exec', l3.ext, 'curl', '-s', '--max-time', '2', '--http0.9', `http://${pfFip.floating_ip_address}:${port}/`]);
    return r.code === 0 ? r.stdout.trim() : null;
  };
  await waitFor('7080 reaches wb:8080', async () => (await get(7080)) === 'wb');
  assert.equal(await get(7085), EXTERNAL_HOST, '7085 reaches wb:8085 (the echo server), with the caller\'s address');
  assert.equal(await get(7081), null, 'nothing listens on wb:8081');
  assert.equal(await get(7091), null, 'outside the range');
  await waitStatus('floatingips', pfFip.id, 'ACTIVE');
  // Hairpin through a port forwarding too.
  assert.equal((await topo.exec(wa.ns, 'curl', ['-s', '--max-time', '3', `http://${pfFip.floating_ip_address}:7080/`])).stdout.trim(), 'wb');

  // Router admin down: the router, its ports and its floating IPs are DOWN, nothing is forwarded.
  await topo.admin.put(`/v2.0/routers/${router.id}`, { router: { admin_state_up: false } });
  await waitStatus('routers', router.id, 'DOWN');
  await waitStatus('ports', ifA.port_id, 'DOWN');
  await waitStatus('ports', gwPort.id, 'DOWN');
  await waitStatus('floatingips', pfFip.id, 'DOWN');
  assert.equal(await get(7080), null);
  await topo.admin.put(`/v2.0/routers/${router.id}`, { router: { admin_state_up: true } });
  await waitStatus('routers', router.id, 'ACTIVE');
  await waitStatus('ports', ifA.port_id, 'ACTIVE');
  await waitStatus('floatingips', pfFip.id, 'ACTIVE');
  await waitFor('forwarding again', async () => (await get(7080)) === 'wb');
  // The NAT is the router namespace's, none is on the hypervisor.
  assert.equal((await run('ip', ['netns', 'exec', rns, 'nft', 'list', 'table', 'ip', 'neutrino-router'])).code, 0);
  assert.equal((await run('ip', ['netns', 'exec', topo.ns('hv1'), 'nft', 'list', 'table', 'ip', 'neutrino-router'])).code, 1);
});

test('address scopes: no NAT inside a scope (also to the external network), no routing across scopes', { skip: skip ?? false, timeout: 300_000 }, async (t) => {
  const topo = new Topology();
  t.after(() => (process.env.NEUTRINO_DATAPLANE_KEEP ? console.log(`kept ${topo.prefix} ${topo.dir}`) : topo.cleanup()));
  let pools: Record<string, any> = {};
  // Scope S holds 10.10.0.0/16 and the external 203.0.113.0/24; scope T holds 10.20.0.0/16.
  const l3 = await l3Topology(topo, ['hv1'], {}, async () => {
    const scope = async (name: string) => (await topo.admin.post('/v2.0/address-scopes', { address_scope: { name, ip_version: 4, shared: true } })).body.address_scope;
    const pool = async (name: string, scopeId: string, prefixes: string[]) =>
      (await topo.admin.post('/v2.0/subnetpools', { subnetpool: { name, address_scope_id: scopeId, prefixes, default_prefixlen: 24, shared: true } })).body.subnetpool;
    const s = await scope('S');
    const tt = await scope('T');
    pools = { S: await pool('pool-s', s.id, ['10.10.0.0/16', '203.0.113.0/24']), T: await pool('pool-t', tt.id, ['10.20.0.0/16']) };
    return { subnetpool_id: pools.S.id };
  });
  assert.ok(l3.extNet.id);
  const ext = (await topo.admin.get(`/v2.0/networks/${l3.extNet.id}`)).body.network;
  assert.ok(ext.ipv4_address_scope, 'the external network is in scope S');
  const { api } = l3;
  const s1 = await tenantNetwork(l3, 's1', '10.10.1.0/24', { subnetpool_id: pools.S.id });
  const s2 = await tenantNetwork(l3, 's2', '10.10.2.0/24', { subnetpool_id: pools.S.id });
  const t1 = await tenantNetwork(l3, 't1', '10.20.1.0/24', { subnetpool_id: pools.T.id });
  const router = (await api.post('/v2.0/routers', { router: { name: 'r-scopes', external_gateway_info: { network_id: l3.extNet.id } } })).body.router;
  for (const n of [s1, s2, t1]) assert.equal((await api.put(`/v2.0/routers/${router.id}/add_router_interface`, { subnet_id: n.subnet.id })).status, 200);
  await routerHost(topo, router.id);
  const gw = (await topo.admin.get(`/v2.0/routers/${router.id}`)).body.router.external_gateway_info.external_fixed_ips[0].ip_address;
  // The external host routes scope S's addresses to the router (they are not NATed).
  await must('ip', ['-n', l3.ext, 'route', 'add', '10.10.0.0/16', 'via', gw]);

  const w1 = await workload(l3, 'w1', 'hv1', s1.net.id);
  const w2 = await workload(l3, 'w2', 'hv1', s2.net.id);
  const w3 = await workload(l3, 'w3', 'hv1', t1.net.id);
  for (const w of [w1, w2, w3]) await sourceEchoServer(topo, w.ns, 9001);
  await sourceEchoServer(topo, l3.ext, 9000);

  // Same scope: routed, addresses untouched.
  await waitFor('w1 reaches w2 (one scope)', () => topo.ping(w1.ns, w2.ip, 1, 1));
  assert.equal(await seenSource(topo, w1.ns, w2.ip, 9001), w1.ip);
  // Across scopes: not routed, either way.
  assert.equal(await topo.ping(w1.ns, w3.ip, 2, 1), false, 'scope S → T dropped');
  assert.equal(await seenSource(topo, w3.ns, w1.ip, 9001), null, 'scope T → S dropped');
  // To the external network of scope S: w1 keeps its address, w3 (scope T) is SNATed.
  await waitFor('w1 reaches the external host', () => topo.ping(w1.ns, EXTERNAL_HOST, 1, 1));
  assert.equal(await seenSource(topo, w1.ns, EXTERNAL_HOST, 9000), w1.ip);
  assert.equal(await seenSource(topo, w3.ns, EXTERNAL_HOST, 9000), gw);
  // From outside, scope S's addresses are reachable directly; scope T's only through NAT.
  assert.equal(await seenSource(topo, l3.ext, w1.ip, 9001), EXTERNAL_HOST);
  await must('ip', ['-n', l3.ext, 'route', 'add', '10.20.0.0/16', 'via', gw]);
  assert.equal(await seenSource(topo, l3.ext, w3.ip, 9001), null, 'no direct route into scope T');
  const fip3 = (await api.post('/v2.0/floatingips', { floatingip: { floating_network_id: l3.extNet.id, port_id: w3.port.id } })).body.floatingip.floating_ip_address;
  await waitFor('scope T reached through its floating IP', async () => (await seenSource(topo, l3.ext, fip3, 9001)) === EXTERNAL_HOST, 30_000, 300);

  // The scope rules are a table of their own in the router namespace (routers without scopes have none: l3-routing).
  const rns = `${topo.prefix}-hv1-qrouter-${router.id}`;
  const tables = JSON.parse((await run('ip', ['netns', 'exec', rns, 'nft', '-j', 'list', 'tables'])).stdout).nftables.filter((x: any) => x.table).map((x: any) => x.table.name).sort();
  assert.deepEqual(tables, ['neutrino-router', 'neutrino-scope']);
});
