// IPv6 routing: SLAAC subnets behind a router. The router namespace advertises each prefix
// (dnsmasq in RA-only mode), workloads configure the address Neutron allocated to their port
// (EUI-64 of its MAC) and a default route to the router, and reach each other across it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Topology, dataplaneSupport, run, waitFor } from './harness.ts';
import { l3Topology, routerHost } from './l3-topology.ts';

const skip = dataplaneSupport();

test('IPv6 SLAAC subnets: router advertisements from the router namespace, routing between them', { skip: skip ?? false, timeout: 240_000 }, async (t) => {
  const topo = new Topology();
  t.after(() => (process.env.NEUTRINO_DATAPLANE_KEEP ? console.log(`kept ${topo.prefix} ${topo.dir}`) : topo.cleanup()));
  const l3 = await l3Topology(topo, ['hv1']);
  const { api } = l3;
  const router = (await api.post('/v2.0/routers', { router: { name: 'r6' } })).body.router;
  const workloads: { ns: string; ip: string }[] = [];
  for (const [i, cidr] of [[1, '2001:db8:1::/64'], [2, '2001:db8:2::/64']] as const) {
    const net = (await api.post('/v2.0/networks', { network: { name: `v6-${i}` } })).body.network;
    const subnet = (await api.post('/v2.0/subnets', { subnet: { network_id: net.id, cidr, ip_version: 6, ipv6_ra_mode: 'slaac', ipv6_address_mode: 'slaac' } })).body.subnet;
    await api.put(`/v2.0/routers/${router.id}/add_router_interface`, { subnet_id: subnet.id });
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
  await waitFor('w1 reaches w2 over IPv6 through the router', async () => (await topo.exec(workloads[0].ns, 'busybox', ['ping6', '-c', '1', '-W', '1', workloads[1].ip])).code === 0);
  const rns = `${topo.prefix}-hv1-qrouter-${router.id}`;
  assert.equal((await run('ip', ['netns', 'exec', rns, 'sysctl', '-n', 'net.ipv6.conf.all.forwarding'])).stdout.trim(), '1');
});
