// IPv6 routing: SLAAC subnets behind a router. The router namespace advertises each prefix
// (radvd), workloads configure the address Neutron allocated to their port (EUI-64 of its
// MAC) and a default route to the router, and reach each other across it; subnets of
// different IPv6 address scopes are not routed to each other (scope.ts's IPv6 marks).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Topology, dataplaneSupport, run, waitFor } from './harness.ts';
import { l3Topology, routerHost, type L3Topology } from './l3-topology.ts';

const skip = dataplaneSupport();

/** SLAAC subnets (extra attributes each) behind one router, a workload on each with its SLAAC address and default route. */
async function slaacBehindRouter(l3: L3Topology, subnets: Record<string, unknown>[]) {
  const { api, topo } = l3;
  const router = (await api.post('/v2.0/routers', { router: { name: 'r6' } })).body.router;
  const workloads: { ns: string; ip: string }[] = [];
  for (const [index, extra] of subnets.entries()) {
    const i = index + 1;
    const net = (await api.post('/v2.0/networks', { network: { name: `v6-${i}` } })).body.network;
    const created = await api.post('/v2.0/subnets', { subnet: { network_id: net.id, ip_version: 6, ipv6_ra_mode: 'slaac', ipv6_address_mode: 'slaac', ...extra } });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    await api.put(`/v2.0/routers/${router.id}/add_router_interface`, { subnet_id: created.body.subnet.id });
    const port = (await api.post('/v2.0/ports', { port: { network_id: net.id } })).body.port;
    const ns = await topo.addWorkload(`w${i}`, 'hv1', port.id);
    await topo.waitPortStatus(port.id, 'ACTIVE');
    workloads.push({ ns, ip: port.fixed_ips[0].ip_address });
  }
  await routerHost(topo, router.id);
  for (const w of workloads) {
    await waitFor(`SLAAC address ${w.ip} in ${w.ns}`, async () => {
      const addrs = JSON.parse((await run('ip', ['-n', w.ns, '-j', '-6', 'addr', 'show', 'dev', 'eth0'])).stdout)[0]?.addr_info ?? [];
      return addrs.some((a: any) => a.local === w.ip && a.scope === 'global' && !a.tentative);
    }, 40_000, 300);
    const routes = (await run('ip', ['-n', w.ns, '-6', 'route', 'show', 'default'])).stdout;
    assert.match(routes, /default via fe80::/, 'default route learnt from the router advertisement');
  }
  return { router, workloads };
}

const ping6 = async (topo: Topology, ns: string, ip: string) => (await topo.exec(ns, 'busybox', ['ping6', '-c', '1', '-W', '1', ip])).code === 0;

test('IPv6 SLAAC subnets: router advertisements from the router namespace, routing between them', { skip: skip ?? false, timeout: 240_000 }, async (t) => {
  const topo = new Topology();
  t.after(() => (process.env.NEUTRINO_DATAPLANE_KEEP ? console.log(`kept ${topo.prefix} ${topo.dir}`) : topo.cleanup()));
  const l3 = await l3Topology(topo, ['hv1']);
  const { router, workloads } = await slaacBehindRouter(l3, [{ cidr: '2001:db8:1::/64' }, { cidr: '2001:db8:2::/64' }]);
  await waitFor('w1 reaches w2 over IPv6 through the router', () => ping6(topo, workloads[0].ns, workloads[1].ip));
  const rns = `${topo.prefix}-hv1-qrouter-${router.id}`;
  assert.equal((await run('ip', ['netns', 'exec', rns, 'sysctl', '-n', 'net.ipv6.conf.all.forwarding'])).stdout.trim(), '1');
});

test('IPv6 address scopes: routed inside one scope, not across scopes', { skip: skip ?? false, timeout: 240_000 }, async (t) => {
  const topo = new Topology();
  t.after(() => (process.env.NEUTRINO_DATAPLANE_KEEP ? console.log(`kept ${topo.prefix} ${topo.dir}`) : topo.cleanup()));
  const l3 = await l3Topology(topo, ['hv1']);
  const pool = async (name: string, prefix: string) => {
    const scope = (await topo.admin.post('/v2.0/address-scopes', { address_scope: { name, ip_version: 6, shared: true } })).body.address_scope;
    return (await topo.admin.post('/v2.0/subnetpools', { subnetpool: { name, address_scope_id: scope.id, prefixes: [prefix], default_prefixlen: 64, shared: true } })).body.subnetpool;
  };
  const s = await pool('S6', '2001:db8:10::/48');
  const other = await pool('T6', '2001:db8:20::/48');
  const { workloads } = await slaacBehindRouter(l3, [
    { subnetpool_id: s.id, cidr: '2001:db8:10:1::/64' },
    { subnetpool_id: s.id, cidr: '2001:db8:10:2::/64' },
    { subnetpool_id: other.id, cidr: '2001:db8:20:1::/64' },
  ]);
  const [w1, w2, w3] = workloads;
  await waitFor('w1 reaches w2 (one scope)', () => ping6(topo, w1.ns, w2.ip));
  assert.equal(await ping6(topo, w1.ns, w3.ip), false, 'scope S6 → T6 dropped');
  assert.equal(await ping6(topo, w3.ns, w2.ip), false, 'scope T6 → S6 dropped');
});
