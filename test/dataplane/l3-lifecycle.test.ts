// Issue 12, scenarios 6 and 7: metadata through the router for a workload on a routed
// network without DHCP; an agent restart (kill -9) with a router and floating IP in place
// keeps the flow going and converges on what changed meanwhile; and the router moves to the
// other L3 agent when its agent dies.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Topology, dataplaneSupport, must, run, waitFor } from './harness.ts';
import { killAndWait } from '../../src/agent/proc.ts';
import { l3Topology, routerHost, tenantNetwork, workload } from './l3-topology.ts';

const skip = dataplaneSupport();

test('metadata through the router for a workload on a routed network without DHCP', { skip: skip ?? false, timeout: 240_000 }, async (t) => {
  const topo = new Topology();
  t.after(() => (process.env.NEUTRINO_DATAPLANE_KEEP ? console.log(`kept ${topo.prefix} ${topo.dir}`) : topo.cleanup()));
  const l3 = await l3Topology(topo, ['hv1']);
  const m = await tenantNetwork(l3, 'm', '10.3.0.0/24', { enable_dhcp: false });
  const router = (await l3.api.post('/v2.0/routers', { router: { name: 'rm' } })).body.router;
  await l3.api.put(`/v2.0/routers/${router.id}/add_router_interface`, { subnet_id: m.subnet.id });
  await routerHost(topo, router.id);
  // Port security off: the workload later sends from an address it does not own (anti-spoofing would drop it).
  const port = (await l3.api.post('/v2.0/ports', { port: { network_id: m.net.id, device_id: 'instance-6', name: 'vm6', port_security_enabled: false } })).body.port;
  const ip = port.fixed_ips[0].ip_address;
  const ns = await topo.addWorkload('wm', 'hv1', port.id);
  await topo.waitPortStatus(port.id, 'ACTIVE');
  await must('ip', ['-n', ns, 'addr', 'add', `${ip}/24`, 'dev', 'eth0']);
  await must('ip', ['-n', ns, 'route', 'add', 'default', 'via', '10.3.0.1']);
  // No DHCP namespace serves this network: the answer can only come through the router.
  assert.equal((await run('ip', ['netns', 'list'])).stdout.includes(`qdhcp-${m.net.id}`), false);
  const get = async (p: string) => {
    const r = await topo.exec(ns, 'curl', ['-s', '--max-time', '2', `http://169.254.169.254${p}`]);
    return r.code === 0 ? r.stdout.trim() : null;
  };
  await waitFor('metadata through the router', async () => (await get('/latest/meta-data/local-ipv4')) === ip);
  assert.equal(await get('/latest/meta-data/instance-id'), 'instance-6');
  const meta = JSON.parse((await get('/openstack/latest/meta_data.json'))!);
  assert.equal(meta.uuid, 'instance-6');
  // The router namespace holds the metadata address; the hypervisor does not.
  const rns = `${topo.prefix}-hv1-qrouter-${router.id}`;
  assert.match((await run('ip', ['-n', rns, 'addr', 'show', 'dev', 'lo'])).stdout, /169\.254\.169\.254\/32/);
  assert.doesNotMatch((await run('ip', ['-n', topo.ns('hv1'), 'addr', 'show'])).stdout, /169\.254\.169\.254/);
  // An address no port of the router's networks holds gets no answer.
  await must('ip', ['-n', ns, 'addr', 'add', '10.3.0.250/24', 'dev', 'eth0']);
  const stranger = await topo.exec(ns, 'curl', ['-s', '--max-time', '2', '--interface', '10.3.0.250', '-o', '/dev/null', '-w', '%{http_code}', 'http://169.254.169.254/latest/meta-data/instance-id']);
  assert.equal(stranger.stdout, '404');
});

test('agent restart keeps router flows and converges; a dead agent\'s router moves to a live one', { skip: skip ?? false, timeout: 300_000 }, async (t) => {
  const topo = new Topology();
  t.after(() => (process.env.NEUTRINO_DATAPLANE_KEEP ? console.log(`kept ${topo.prefix} ${topo.dir}`) : topo.cleanup()));
  // An agent is dead after 15 s without a report: a restart on a loaded machine (node + tsx
  // start-up) must not count as a death, which would move the router away.
  const l3 = await l3Topology(topo, ['hv1', 'hv2'], { 'agents.agent_down_time': 15 });
  const { api } = l3;
  const a = await tenantNetwork(l3, 'a', '10.1.0.0/24');
  const router = (await api.post('/v2.0/routers', { router: { name: 'r7', external_gateway_info: { network_id: l3.extNet.id } } })).body.router;
  await api.put(`/v2.0/routers/${router.id}/add_router_interface`, { subnet_id: a.subnet.id });
  const host = await routerHost(topo, router.id);
  const hv = host.slice(topo.prefix.length + 1);
  const other = hv === 'hv1' ? 'hv2' : 'hv1';
  // The workloads live on the other hypervisor, so the router host can fail on its own.
  const w1 = await workload(l3, 'w1', other, a.net.id);
  const w2 = await workload(l3, 'w2', other, a.net.id);
  const fip1 = (await api.post('/v2.0/floatingips', { floatingip: { floating_network_id: l3.extNet.id, port_id: w1.port.id } })).body.floatingip.floating_ip_address;
  await waitFor('floating IP 1 reachable', () => topo.ping(l3.ext, fip1, 1, 1));
  // A floating IP of w2 that is released while the agent is down.
  const fipX = (await api.post('/v2.0/floatingips', { floatingip: { floating_network_id: l3.extNet.id, port_id: w2.port.id } })).body.floatingip;
  await waitFor('floating IP X ACTIVE', async () => (await topo.admin.get(`/v2.0/floatingips/${fipX.id}`)).body.floatingip.status === 'ACTIVE');

  const rns = `${topo.prefix}-${hv}-qrouter-${router.id}`;
  const devices = async () => JSON.parse((await run('ip', ['-n', rns, '-j', 'link', 'show'])).stdout).map((l: any) => `${l.ifindex}:${l.ifname}`).sort();
  const before = await devices();
  // kill -9 the router host's agent during a steady flow; meanwhile a second floating IP is made.
  const flow = topo.exec(l3.ext, 'busybox', ['ping', '-c', '40', '-i', '0.1', '-W', '1', fip1], 30_000);
  await new Promise((r) => setTimeout(r, 500));
  await topo.killAgent(hv, 'SIGKILL');
  await api.put(`/v2.0/floatingips/${fipX.id}`, { floatingip: { port_id: null } });
  const fip2 = (await api.post('/v2.0/floatingips', { floatingip: { floating_network_id: l3.extNet.id, port_id: w2.port.id } })).body.floatingip.floating_ip_address;
  topo.startAgent(hv, topo.agents.get(hv)!.config);
  const result = await flow;
  const loss = /(\d+)% packet loss/.exec(result.stdout)?.[1];
  assert.equal(loss, '0', `the flow kept working through the restart: ${result.stdout.split('\n').slice(-3).join(' ')}`);
  await waitFor('the floating IP made while the agent was down works', async () => (await topo.fetchName(l3.ext, fip2)) === 'w2');
  assert.equal(await topo.fetchName(l3.ext, fip1), 'w1');
  await waitFor('restart logged', async () => /initial reconcile done/.test(topo.agentLog(hv)));
  // The restarted agent remembers nothing of floating IP X, yet reports it DOWN (its gc) and it answers nothing.
  await waitFor('floating IP X released while the agent was down is DOWN', async () => (await topo.admin.get(`/v2.0/floatingips/${fipX.id}`)).body.floatingip.status === 'DOWN', 30_000, 300);
  assert.equal(await topo.fetchName(l3.ext, fipX.floating_ip_address), null);
  assert.deepEqual(await devices(), before, 'the restart re-created no device of the router');

  // The router host dies (its agent stops and its router namespace goes): the router moves to
  // the live agent, which rebinds the router's ports, and the floating IPs answer again.
  await topo.killAgent(hv, 'SIGKILL');
  // The namespace's own processes (metadata proxy) go with the host, or it would live on.
  for (const pid of (await run('ip', ['netns', 'pids', rns])).stdout.split('\n').filter(Boolean)) await killAndWait(Number(pid));
  await run('ip', ['netns', 'del', rns]);
  await waitFor('router rescheduled to the live agent', async () => {
    const agents = (await topo.admin.get(`/v2.0/routers/${router.id}/l3-agents`)).body.agents;
    return agents.length === 1 && agents[0].host === `${topo.prefix}-${other}`;
  }, 60_000, 500);
  const gwOf = async () => (await topo.admin.get(`/v2.0/ports?device_id=${router.id}&device_owner=network:router_gateway`)).body.ports[0];
  await waitFor('the gateway port rebound to the live host', async () => (await gwOf())['binding:host_id'] === `${topo.prefix}-${other}`, 40_000, 300);
  await waitFor('floating IP 1 answers through the new router host', async () => (await topo.fetchName(l3.ext, fip1)) === 'w1', 40_000, 300);
  assert.equal(await topo.fetchName(l3.ext, fip2), 'w2');
  await topo.waitPortStatus((await gwOf()).id, 'ACTIVE');
  assert.equal((await run('ip', ['netns', 'list'])).stdout.includes(rns), false, 'the dead host\'s router namespace is gone');
});
