// Shared set-up of the L3 dataplane tests: two hypervisors, an "external" namespace at
// 203.0.113.1 on the flat provider network physnet1 (a veth on the test's `phys` bridge),
// that network as the external network, and helpers for tenant networks and workloads.
import fs from 'node:fs';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { Topology, must, waitFor } from './harness.ts';

export const EXTERNAL_HOST = '203.0.113.1';

export interface L3Topology {
  topo: Topology;
  ext: string;
  extNet: any;
  extSubnet: any;
  api: ReturnType<Topology['admin']['as']>;
}

/** `externalSubnet`: extra attributes of the external subnet, asked once the server runs (e.g. a subnet pool of an address scope). */
export async function l3Topology(
  topo: Topology,
  hypervisors = ['hv1', 'hv2'],
  serverConfig: Record<string, unknown> = {},
  externalSubnet: () => Promise<Record<string, unknown>> = async () => ({}),
): Promise<L3Topology> {
  await topo.start(serverConfig);
  for (const hv of hypervisors) await topo.addHypervisor(hv);
  const ext = await topo.addNamespace('ext');
  await must('ip', ['-n', topo.ns('ul'), 'link', 'add', 'x-ext', 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ext]);
  await must('ip', ['-n', topo.ns('ul'), 'link', 'set', 'x-ext', 'master', 'phys', 'up']);
  await must('ip', ['-n', ext, 'addr', 'add', `${EXTERNAL_HOST}/24`, 'dev', 'eth0']);
  await must('ip', ['-n', ext, 'link', 'set', 'eth0', 'up']);
  const extNet = (await topo.admin.post('/v2.0/networks', { network: { name: 'public', 'router:external': true, 'provider:network_type': 'flat', 'provider:physical_network': 'physnet1' } })).body.network;
  const extSubnet = (
    await topo.admin.post('/v2.0/subnets', {
      subnet: { network_id: extNet.id, cidr: '203.0.113.0/24', ip_version: 4, gateway_ip: EXTERNAL_HOST, enable_dhcp: false, allocation_pools: [{ start: '203.0.113.10', end: '203.0.113.99' }], ...(await externalSubnet()) },
    })
  ).body.subnet;
  const api = topo.admin.as({ project: 'project-a', roles: 'member' });
  // Security groups deny ingress by default (src/agent/firewall/): the tenant opens its default group to the outside, as in Neutron.
  const defaultGroup = (await api.get('/v2.0/security-groups?name=default')).body.security_groups[0];
  await api.post('/v2.0/security-group-rules', { security_group_rule: { security_group_id: defaultGroup.id, direction: 'ingress', ethertype: 'IPv4', remote_ip_prefix: '203.0.113.0/24' } });
  return { topo, ext, extNet, extSubnet, api };
}

export async function tenantNetwork(l3: L3Topology, name: string, cidr: string, extra: Record<string, unknown> = {}) {
  const net = (await l3.api.post('/v2.0/networks', { network: { name } })).body.network;
  const subnet = (await l3.api.post('/v2.0/subnets', { subnet: { network_id: net.id, cidr, ip_version: 4, ...extra } })).body.subnet;
  return { net, subnet };
}

/** A port on the network, a workload plugged into it on the hypervisor, configured by DHCP, answering `name` on :8080. */
export async function workload(l3: L3Topology, name: string, hypervisor: string, networkId: string) {
  const port = (await l3.api.post('/v2.0/ports', { port: { network_id: networkId, name } })).body.port;
  const ns = await l3.topo.addWorkload(name, hypervisor, port.id);
  await l3.topo.waitPortStatus(port.id, 'ACTIVE');
  await l3.topo.dhcp(ns);
  await l3.topo.listen(ns, name);
  return { port, ns, ip: port.fixed_ips[0].ip_address as string };
}

/**
 * A TCP server in a namespace that answers each connection with the source address it saw
 * (node, killed by the topology's cleanup: its command line names the topology's directory).
 */
export async function sourceEchoServer(topo: Topology, ns: string, port: number): Promise<void> {
  const code = `require('net').createServer((s) => s.end(s.remoteAddress + '\\n')).listen(${port}, '0.0.0.0');`;
  const child = spawn('ip', ['netns', 'exec', ns, process.execPath, '-e', code, path.join(topo.dir, 'source-echo')], { stdio: 'ignore', detached: false });
  child.unref();
  await waitFor(`source echo server in ${ns}`, async () => (await topo.exec(ns, 'curl', ['-s', '--max-time', '1', '--http0.9', `http://127.0.0.1:${port}/`])).stdout.trim() === '127.0.0.1');
}

/** The source address the echo server at address:port saw for a connection from ns (null: no connection). */
export async function seenSource(topo: Topology, ns: string, address: string, port: number): Promise<string | null> {
  const r = await topo.exec(ns, 'curl', ['-s', '--max-time', '3', '--http0.9', `http://${address}:${port}/`]);
  return r.code === 0 && r.stdout.trim() ? r.stdout.trim() : null;
}

export async function routerHost(topo: Topology, routerId: string): Promise<string> {
  const agents = await waitFor(`router ${routerId} scheduled`, async () => {
    const list = (await topo.admin.get(`/v2.0/routers/${routerId}/l3-agents`)).body.agents;
    return list.length ? list : null;
  });
  return agents[0].host as string;
}

/**
 * A UDP listener in a namespace counting the datagrams it receives on `port` (the count in a
 * file of the topology's directory, read by the returned function).
 */
export function udpCounter(topo: Topology, ns: string, port: number): () => number {
  const file = path.join(topo.dir, `udp-${ns}-${port}`);
  const code = `let n=0;const s=require('dgram').createSocket('udp4');s.on('message',()=>require('fs').writeFileSync(${JSON.stringify(file)},String(++n)));s.bind(${port});`;
  spawn('ip', ['netns', 'exec', ns, process.execPath, '-e', code, path.join(topo.dir, 'udp-counter')], { stdio: 'ignore' }).unref();
  return () => (fs.existsSync(file) ? Number(fs.readFileSync(file, 'utf8')) || 0 : 0);
}

/** One UDP flow (fixed source port) from ns to address:port, a datagram every 50 ms for `seconds`. */
export function udpFlow(topo: Topology, ns: string, address: string, port: number, sourcePort: number, seconds: number): void {
  const code = `const s=require('dgram').createSocket('udp4');s.bind(${sourcePort},()=>{const t=setInterval(()=>s.send('x',${port},${JSON.stringify(address)}),50);setTimeout(()=>{clearInterval(t);s.close();},${seconds * 1000});});`;
  spawn('ip', ['netns', 'exec', ns, process.execPath, '-e', code, path.join(topo.dir, 'udp-flow')], { stdio: 'ignore' }).unref();
}

/** Whether a counter grows by more than 2 within 3 s (false: the flow does not reach it). */
export async function counterMoves(count: () => number): Promise<boolean> {
  const start = count();
  for (let i = 0; i < 30; i++) {
    await new Promise((r) => setTimeout(r, 100));
    if (count() > start + 2) return true;
  }
  return false;
}
