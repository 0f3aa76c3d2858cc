// Security groups enforced by the agents' firewall (src/agent/firewall/), with real packets
// between workloads on two hypervisors (issue 12, scenarios 5 and 7): ingress denied by
// default, a TCP rule opens exactly its port, a remote-group rule admits members only (a new
// member as soon as its port is ACTIVE), ICMP, spoofed sources and DHCP server replies from
// workloads dropped, allowed address pairs, port security disabled → open, an established
// connection survives an unrelated rule and an agent restart, removing its rule cuts it; a
// stateless group's port is not tracked and needs rules for its return traffic; what is deleted
// by hand (a set element, a group chain's rules, a verdict-map element) comes back.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import { Topology, dataplaneSupport, waitFor, run, must } from './harness.ts';

const skip = dataplaneSupport();

/** Processes this test starts in workloads (killed by PID at the end, also on failure). */
class Processes {
  private readonly children: ChildProcess[] = [];

  start(ns: string, args: string[], outFile?: string): ChildProcess {
    const out = outFile ? fs.openSync(outFile, 'a') : 'ignore';
    // stdin stays open (a pipe never written): busybox nc ends its connection at end of input.
    const child = spawn('ip', ['netns', 'exec', ns, ...args], { stdio: ['pipe', out, 'ignore'] });
    if (typeof out === 'number') fs.closeSync(out);
    this.children.push(child);
    return child;
  }

  async stopAll(): Promise<void> {
    for (const child of this.children) {
      if (child.exitCode !== null || child.signalCode !== null) continue;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGKILL');
      await exited;
    }
  }
}

const lines = (file: string) => (fs.existsSync(file) ? fs.readFileSync(file, 'utf8').split('\n').filter(Boolean).length : 0);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('security groups: default deny, TCP/ICMP rules, remote groups, anti-spoofing, port security off, live rule changes, agent restart', { skip: skip ?? false, timeout: 300_000 }, async (t) => {
  const topo = new Topology();
  const procs = new Processes();
  t.after(async () => {
    await procs.stopAll();
    if (process.env.NEUTRINO_DATAPLANE_KEEP) console.log(`kept ${topo.prefix} ${topo.dir}`);
    else await topo.cleanup();
  });
  await topo.start();
  await topo.addHypervisor('hv1');
  await topo.addHypervisor('hv2');
  const project = topo.admin.as({ project: 'project-sg', roles: 'member' });

  const net = (await project.post('/v2.0/networks', { network: { name: 'sgnet' } })).body.network;
  await project.post('/v2.0/subnets', { subnet: { network_id: net.id, cidr: '10.20.0.0/24', ip_version: 4 } });
  const group = async (name: string) => (await project.post('/v2.0/security-groups', { security_group: { name } })).body.security_group;
  const web = await group('web');
  const clients = await group('clients');
  assert.ok(web.security_group_rules.every((r: any) => r.direction === 'egress'), 'a new group allows egress only');
  const addRule = async (sg: string, rule: Record<string, unknown>) => (await project.post('/v2.0/security-group-rules', { security_group_rule: { security_group_id: sg, direction: 'ingress', ethertype: 'IPv4', ...rule } })).body.security_group_rule;

  /** A port in the groups given, plugged into a workload on a hypervisor, with its DHCP lease (which itself crosses the firewall). */
  const workload = async (name: string, hv: string, port: Record<string, unknown>) => {
    const p = (await project.post('/v2.0/ports', { port: { network_id: net.id, name, ...port } })).body.port;
    assert.ok(p.id, JSON.stringify(p));
    const ns = await topo.addWorkload(name, hv, p.id);
    await topo.waitPortStatus(p.id, 'ACTIVE');
    const lease = await topo.dhcp(ns);
    assert.equal(lease.ip, p.fixed_ips[0].ip_address);
    return { port: p, ns, ip: lease.ip as string };
  };
  const server = await workload('srv', 'hv1', { security_groups: [web.id] });
  const c1 = await workload('c1', 'hv2', { security_groups: [clients.id] });
  const c2 = await workload('c2', 'hv1', { security_groups: [clients.id] });
  const other = await workload('oth', 'hv2', {}); // the project's default group

  // Listeners on the server: 8080 and 8081 (HTTP), 9000 (a long TCP stream).
  await topo.listen(server.ns, 'srv');
  const www = path.join(topo.dir, 'www-8081');
  fs.mkdirSync(www);
  fs.writeFileSync(path.join(www, 'index.html'), 'srv8081\n');
  procs.start(server.ns, ['busybox', 'httpd', '-f', '-p', '8081', '-h', www]);
  await waitFor('8081 listening', async () => (await topo.exec(server.ns, 'curl', ['-s', '--max-time', '2', 'http://127.0.0.1:8081/'])).stdout.trim() === 'srv8081');
  const get = async (from: string, port: number) => {
    const r = await topo.exec(from, 'curl', ['-s', '--max-time', '2', `http://${server.ip}:${port}/`]);
    return r.code === 0 ? r.stdout.trim() : null;
  };

  // 1. Ingress denied by default (the leases above prove every port's chains are in place).
  assert.equal(await get(c1.ns, 8080), null, 'no ingress rule: TCP refused');
  assert.equal(await topo.ping(c1.ns, server.ip, 1, 1), false, 'no ingress rule: ICMP refused');
  assert.equal(await topo.ping(server.ns, c2.ip, 1, 1), false, 'the clients group admits no ingress either');

  // 2. A TCP rule opens exactly its port.
  await addRule(web.id, { protocol: 'tcp', port_range_min: 8080, port_range_max: 8080, remote_ip_prefix: '0.0.0.0/0' });
  await waitFor('8080 open', async () => (await get(c1.ns, 8080)) === 'srv', 15_000, 200);
  assert.equal(await get(other.ns, 8080), 'srv', 'from anywhere');
  assert.equal(await get(c1.ns, 8081), null, '8081 stays closed');
  assert.equal(await topo.ping(c1.ns, server.ip, 1, 1), false, 'ICMP stays closed');

  // 3. A remote-group rule admits members only; a new member once its port is ACTIVE.
  await addRule(web.id, { protocol: 'tcp', port_range_min: 8081, port_range_max: 8081, remote_group_id: clients.id });
  await waitFor('8081 open to clients (other host)', async () => (await get(c1.ns, 8081)) === 'srv8081', 15_000, 200);
  assert.equal(await get(c2.ns, 8081), 'srv8081', 'to clients on the same host');
  assert.equal(await get(other.ns, 8081), null, 'not to a non-member');
  const started = Date.now();
  const c3 = await workload('c3', 'hv2', { security_groups: [clients.id] });
  await waitFor('the new member admitted', async () => (await get(c3.ns, 8081)) === 'srv8081', 10_000, 100);
  t.diagnostic(`new member: port create → admitted in ${Date.now() - started} ms (including plug and DHCP)`);

  // 3b. Level-triggered: a set element, a group chain's rules and a verdict-map element deleted by hand come back
  //     (at the next resync, every 5 s here), and with them the traffic they admit.
  const hv1 = topo.ns('hv1');
  const nft = (...args: string[]) => must('ip', ['netns', 'exec', hv1, 'nft', ...args]);
  const setHas = async (ip: string) => (await nft('-j', 'list', 'set', 'bridge', 'neutrino-sg', `rg-${clients.id}-4`)).includes(`"${ip}"`);
  await nft('delete', 'element', 'bridge', 'neutrino-sg', `rg-${clients.id}-4`, `{ ${c2.ip} }`);
  await waitFor('a member deleted by hand restored', async () => (await setHas(c2.ip)) && (await get(c2.ns, 8081)) === 'srv8081', 30_000, 300);
  const groupChain = `sg-${web.id}-in-rules`;
  const ruleCount = async () => (JSON.parse(await nft('-j', 'list', 'chain', 'bridge', 'neutrino-sg', groupChain)).nftables as any[]).filter((i) => i.rule).length;
  const webRules = await ruleCount();
  assert.ok(webRules >= 2, 'one rule per ingress rule of the group');
  await nft('flush', 'chain', 'bridge', 'neutrino-sg', groupChain);
  await waitFor('a group chain flushed by hand refilled', async () => (await ruleCount()) === webRules && (await get(c1.ns, 8080)) === 'srv', 30_000, 300);
  const serverTap = `tap${server.port.id.slice(0, 11)}`;
  await nft('delete', 'element', 'bridge', 'neutrino-sg', 'ingress-ports', `{ "${serverTap}" }`);
  await waitFor('a verdict-map element deleted by hand restored', async () => (await nft('list', 'map', 'bridge', 'neutrino-sg', 'ingress-ports')).includes(serverTap) && (await get(c1.ns, 8080)) === 'srv', 30_000, 300);

  // 4. ICMP rule (echo request only).
  await addRule(web.id, { protocol: 'icmp', port_range_min: 8, port_range_max: 0, remote_ip_prefix: '10.20.0.0/24' });
  await waitFor('ping admitted', async () => topo.ping(c1.ns, server.ip, 1, 1), 15_000, 200);

  // 5. Anti-spoofing: a source address the port does not own is dropped, until it is an allowed address pair.
  await must('ip', ['-n', c2.ns, 'addr', 'add', '10.20.0.200/24', 'dev', 'eth0']);
  const spoofedPing = () => run('ip', ['netns', 'exec', c2.ns, 'busybox', 'ping', '-c', '1', '-W', '1', '-I', '10.20.0.200', server.ip]).then((r) => r.code === 0);
  assert.ok(await topo.ping(c2.ns, server.ip, 1, 1), 'c2 pings from its own address');
  assert.equal(await spoofedPing(), false, 'a spoofed source is dropped');
  await project.put(`/v2.0/ports/${c2.port.id}`, { port: { allowed_address_pairs: [{ ip_address: '10.20.0.200' }] } });
  await waitFor('an allowed address pair may send', spoofedPing, 15_000, 200);
  // DHCP server replies from a workload are dropped (c1's ingress takes DHCP replies from anyone).
  const dhcpOut = path.join(topo.dir, 'dhcp-reply.out');
  procs.start(c1.ns, [process.execPath, '-e', "require('dgram').createSocket('udp4').on('message', (m) => console.log(String(m))).bind(68)"], dhcpOut);
  await sleep(300);
  const sendFrom67 = `const s = require('dgram').createSocket('udp4'); s.bind(67, () => { let n = 0; const t = setInterval(() => { s.send('offer', 68, '${c1.ip}'); if (++n === 5) { clearInterval(t); s.close(); } }, 100); });`;
  await must('ip', ['netns', 'exec', c2.ns, process.execPath, '-e', sendFrom67]);
  await sleep(500);
  assert.equal(lines(dhcpOut), 0, 'no DHCP server reply from a workload arrives');

  // 6. Port security disabled: no filtering at all, spoofing included.
  const open = (await project.post('/v2.0/ports', { port: { network_id: net.id, name: 'open', port_security_enabled: false } })).body.port;
  assert.deepEqual(open.security_groups, []);
  const openNs = await topo.addWorkload('open', 'hv1', open.id);
  await topo.waitPortStatus(open.id, 'ACTIVE');
  await topo.dhcp(openNs);
  await topo.listen(openNs, 'open');
  await waitFor('port security off: reachable from anyone', async () => (await topo.fetchName(other.ns, open.fixed_ips[0].ip_address)) === 'open', 15_000, 200);
  await must('ip', ['-n', openNs, 'addr', 'add', '10.20.0.201/24', 'dev', 'eth0']);
  const openSpoof = await run('ip', ['netns', 'exec', openNs, 'busybox', 'ping', '-c', '1', '-W', '2', '-I', '10.20.0.201', server.ip]);
  assert.equal(openSpoof.code, 0, 'port security off: any source address leaves the port');

  // 7. An established connection survives an unrelated rule and an agent restart; removing its rule cuts it.
  const streamRule = await addRule(web.id, { protocol: 'tcp', port_range_min: 9000, port_range_max: 9000, remote_group_id: clients.id });
  const received = path.join(topo.dir, 'stream.out');
  const listenerUp = async () => / 0A /.test((await topo.exec(server.ns, 'sh', ['-c', 'cat /proc/net/tcp /proc/net/tcp6 | grep -i ":2328 "'])).stdout);
  procs.start(server.ns, ['busybox', 'nc', '-l', '-p', '9000'], received);
  await waitFor('stream listener', listenerUp);
  await sleep(500); // the new rule reaches hv1
  const sender = procs.start(c1.ns, ['sh', '-c', `i=0; while :; do i=$((i+1)); echo $i; sleep 0.1; done | busybox nc ${server.ip} 9000`]);
  await waitFor('the stream flows', async () => lines(received) >= 5, 15_000, 100);
  const growsFor = async (ms: number) => {
    const before = lines(received);
    await sleep(ms);
    return lines(received) - before;
  };
  await addRule(web.id, { protocol: 'udp', port_range_min: 5353, port_range_max: 5353 });
  assert.ok((await growsFor(1500)) >= 8, 'the stream keeps flowing after an unrelated rule is added');

  const tableHandle = async () => (JSON.parse(await must('ip', ['netns', 'exec', hv1, 'nft', '-j', 'list', 'tables'])).nftables as any[]).find((i) => i.table?.family === 'bridge' && i.table?.name === 'neutrino-sg')?.table.handle;
  const handle = await tableHandle();
  assert.ok(handle !== undefined);
  const agent = topo.agents.get('hv1')!;
  const logBefore = topo.agentLog('hv1').length;
  await topo.killAgent('hv1', 'SIGKILL');
  assert.ok((await growsFor(1000)) >= 5, 'the stream flows while the agent is down');
  topo.startAgent('hv1', agent.config);
  await waitFor('agent restarted and reconciled', async () => topo.agentLog('hv1').slice(logBefore).includes('initial reconcile done'), 60_000, 200);
  assert.ok((await growsFor(1500)) >= 8, 'the stream flows after the restart');
  assert.equal(await tableHandle(), handle, 'the restarted agent kept the table (it read it back and found it right)');
  assert.equal(sender.exitCode, null, 'the connection was never reset');

  assert.equal((await project.del(`/v2.0/security-group-rules/${streamRule.id}`)).status, 204);
  await waitFor('removing the allow rule cuts the stream', async () => (await growsFor(800)) === 0, 15_000, 0);
  assert.equal(await get(c1.ns, 8080), 'srv', 'other rules unaffected');

  // 8. A stateless group (stateful=false): no conntrack for its port, so return traffic needs rules of its own.
  const slGroup = (await project.post('/v2.0/security-groups', { security_group: { name: 'stateless', stateful: false } })).body.security_group;
  assert.equal(slGroup.stateful, false);
  const sl = await workload('sl', 'hv2', { security_groups: [slGroup.id] });
  const hv2 = topo.ns('hv2');
  const tracked = async () => (await must('ip', ['netns', 'exec', hv2, 'conntrack', '-L'])).split('\n').filter((l) => l.includes(`=${sl.ip} `));
  assert.equal(await topo.ping(sl.ns, server.ip, 1, 1), false, 'the echo reply is not let in by conntrack: no ingress rule, no reply');
  assert.equal(await get(sl.ns, 8080), null, 'nor the SYN-ACK of a TCP connection it opened');
  await addRule(slGroup.id, { protocol: 'icmp', remote_ip_prefix: '10.20.0.0/24' });
  await waitFor('an ingress ICMP rule lets the replies in', async () => topo.ping(sl.ns, server.ip, 1, 1), 15_000, 200);
  await addRule(slGroup.id, { protocol: 'tcp', remote_ip_prefix: `${server.ip}/32` });
  await waitFor('an ingress TCP rule from the server lets its replies in', async () => (await get(sl.ns, 8080)) === 'srv', 15_000, 200);
  assert.deepEqual(await tracked(), [], 'its host keeps no connection of the stateless port (notrack)');
  assert.ok((await must('ip', ['netns', 'exec', hv2, 'conntrack', '-L'])).includes(`=${c1.ip} `), 'while the stateful ports there are tracked');
});
