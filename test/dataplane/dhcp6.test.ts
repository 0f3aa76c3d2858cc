// DHCPv6 and router advertisements. A router on a dhcpv6-stateful and a dhcpv6-stateless
// subnet sends RAs (radvd, src/agent/l3/advertise.ts) with Neutron's flags, read off the wire
// by an nft counter per M/O combination in each workload; the DHCP namespace's dnsmasq
// (src/agent/dhcp/) answers `dhclient -6` exactly the port's fixed address on the stateful
// subnet and DNS/domain to `dhclient -6 -S` on the stateless one, whose address is SLAAC's
// (the port's EUI-64 fixed IP). Workloads ping6 on the link and across the router. Then
// hostsdir churn with DHCPv6 leases present: dnsmasq never gets SIGHUP, survives, answers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { Topology, dataplaneSupport, run, waitFor } from './harness.ts';
import { killAndWait, livePid } from '../../src/agent/proc.ts';

const skip = dataplaneSupport() ?? (fs.existsSync('/usr/sbin/dhclient') ? null : 'needs /usr/sbin/dhclient (isc-dhcp-client)') ?? (fs.existsSync('/usr/sbin/radvd') ? null : 'needs /usr/sbin/radvd');

/** Records what dhclient was given and configures the address as dhclient-script would (prefix length as given: 128). */
const DHCLIENT_SCRIPT = (out: string) => `#!/bin/sh
case "$reason" in
  BOUND6|RENEW6|REBIND6|REBOOT6|INFORM6)
    env | grep -E '^(reason|new_)' | sort > "${out}.tmp" && mv "${out}.tmp" "${out}"
    if [ -n "$new_ip6_address" ]; then ip -6 addr replace "$new_ip6_address/$new_ip6_prefixlen" dev "$interface" nodad; fi
    ;;
esac
exit 0
`;

class Dhclient {
  private readonly pids: string[] = [];

  constructor(private readonly topo: Topology) {}

  /** One `dhclient -6` exchange in a workload with its own lease, pid and script files; the variables it got. */
  async run(ns: string, name: string, args: string[]): Promise<Record<string, string>> {
    const dir = path.join(this.topo.dir, 'dhclient', name);
    fs.mkdirSync(dir, { recursive: true });
    const out = path.join(dir, 'out');
    const script = path.join(dir, 'script.sh');
    fs.writeFileSync(script, DHCLIENT_SCRIPT(out), { mode: 0o755 });
    fs.rmSync(out, { force: true });
    const pidFile = path.join(dir, 'pid');
    // The same name again: the same lease file and DUID (a client restarting); the previous one stops first.
    const previous = livePid(pidFile, 'dhclient');
    if (previous) await killAndWait(previous);
    this.pids.push(pidFile);
    // The link-local address must be usable before dhclient binds to it.
    await waitFor(`link-local address in ${ns}`, async () => {
      const info = JSON.parse((await run('ip', ['-n', ns, '-j', '-6', 'addr', 'show', 'dev', 'eth0', 'scope', 'link'])).stdout)[0]?.addr_info ?? [];
      return info.some((a: any) => !a.tentative);
    });
    const r = await run('ip', ['netns', 'exec', ns, 'dhclient', '-6', ...args, '-1', '-v', '-sf', script, '-lf', path.join(dir, 'leases'), '-pf', pidFile, 'eth0'], { timeoutMs: 40_000 });
    if (!fs.existsSync(out)) throw new Error(`dhclient -6 ${args.join(' ')} in ${ns} got no answer (${r.code}): ${r.stderr.slice(-1500)}`);
    return Object.fromEntries(fs.readFileSync(out, 'utf8').trim().split('\n').map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
  }

  /** dhclient goes to the background once bound: stopped by the pid it wrote. */
  async stopAll(): Promise<void> {
    for (const file of this.pids) {
      const pid = livePid(file, 'dhclient');
      if (pid) await killAndWait(pid);
    }
  }
}

/** An nft counter per RA flag combination (the M and O bits, the RA's 6th byte) in a workload. */
async function countRaFlags(topo: Topology, ns: string): Promise<void> {
  const rules = ['none', 'O', 'M', 'MO'].map((name, value) => `icmpv6 type nd-router-advert @th,40,2 ${value} counter comment "ra-${name}"`);
  fs.writeFileSync(path.join(topo.dir, `${ns}.nft`), `table inet ra {\n chain in {\n  type filter hook input priority 0; policy accept;\n  ${rules.join('\n  ')}\n }\n}\n`);
  const loaded = await run('ip', ['netns', 'exec', ns, 'nft', '-f', path.join(topo.dir, `${ns}.nft`)]);
  assert.equal(loaded.code, 0, loaded.stderr);
}

/** Which flag combinations the workload has received RAs with. */
async function raFlagsSeen(ns: string): Promise<string[]> {
  const table = JSON.parse((await run('ip', ['netns', 'exec', ns, 'nft', '-j', 'list', 'table', 'inet', 'ra'])).stdout).nftables as any[];
  return table
    .filter((e) => e.rule && e.rule.expr.some((x: any) => x.counter?.packets > 0))
    .map((e) => String(e.rule.comment).slice(3))
    .sort();
}

async function globalAddresses(ns: string): Promise<{ local: string; prefixlen: number; dynamic?: boolean; tentative?: boolean }[]> {
  const info = JSON.parse((await run('ip', ['-n', ns, '-j', '-6', 'addr', 'show', 'dev', 'eth0', 'scope', 'global'])).stdout)[0]?.addr_info ?? [];
  // `ip -j` may list an empty entry beside the addresses.
  return info.filter((a: { local?: string }) => a.local);
}

test('DHCPv6: stateful addresses and stateless DNS from the DHCP namespace, RA flags from the router, ping6; hostsdir churn with leases', { skip: skip ?? false, timeout: 300_000 }, async (t) => {
  const topo = new Topology();
  const dhclient = new Dhclient(topo);
  t.after(async () => {
    await dhclient.stopAll();
    if (process.env.NEUTRINO_DATAPLANE_KEEP) console.log(`kept ${topo.prefix} ${topo.dir}`);
    else await topo.cleanup();
  });
  await topo.start();
  // The agent acts with the service role alone (no admin): it reads every project's
  // resources, creates the DHCP port and binds ports as Neutron's service role may.
  const hv = await topo.addHypervisor('hv1', { auth: { noauth: true, roles: 'service' } });
  const api = topo.admin.as({ project: 'project-a', roles: 'member' });

  const netS = (await api.post('/v2.0/networks', { network: { name: 'stateful' } })).body.network;
  const subS = (await api.post('/v2.0/subnets', { subnet: { network_id: netS.id, cidr: '2001:db8:a::/64', ip_version: 6, ipv6_ra_mode: 'dhcpv6-stateful', ipv6_address_mode: 'dhcpv6-stateful', dns_nameservers: ['2001:db8::53'] } })).body.subnet;
  // Dual stack: the stateful network's ports also have an IPv4 address, on the same host line.
  const subS4 = (await api.post('/v2.0/subnets', { subnet: { network_id: netS.id, cidr: '10.60.0.0/24', ip_version: 4 } })).body.subnet;
  const netL = (await api.post('/v2.0/networks', { network: { name: 'stateless' } })).body.network;
  const subL = (await api.post('/v2.0/subnets', { subnet: { network_id: netL.id, cidr: '2001:db8:b::/64', ip_version: 6, ipv6_ra_mode: 'dhcpv6-stateless', ipv6_address_mode: 'dhcpv6-stateless', dns_nameservers: ['2001:db8::54'] } })).body.subnet;
  const router = (await api.post('/v2.0/routers', { router: { name: 'r6' } })).body.router;
  for (const s of [subS, subL]) await api.put(`/v2.0/routers/${router.id}/add_router_interface`, { subnet_id: s.id });

  // The DHCP port holds its IPv6 address in the namespace (dnsmasq picks the range by it).
  for (const [net, sub] of [[netS, subS], [netL, subL]]) {
    const dhcpPort = await waitFor(`DHCP port of ${sub.cidr} ACTIVE`, async () => {
      const ports = (await topo.admin.get(`/v2.0/ports?network_id=${net.id}&device_owner=network:dhcp`)).body.ports;
      return ports.length === 1 && ports[0].status === 'ACTIVE' && ports[0].fixed_ips.some((f: any) => f.subnet_id === sub.id) ? ports[0] : null;
    });
    const ip = dhcpPort.fixed_ips.find((f: any) => f.subnet_id === sub.id).ip_address;
    const dhcpNs = `${topo.prefix}-hv1-qdhcp-${net.id}`;
    await waitFor(`${ip} in ${dhcpNs}`, async () => (await run('ip', ['-n', dhcpNs, '-6', 'addr', 'show'])).stdout.includes(`${ip}/64`));
  }

  const ports: Record<string, any> = {};
  const ns: Record<string, string> = {};
  const v6of = (port: any): string => port.fixed_ips.find((f: any) => f.ip_address.includes(':')).ip_address;
  for (const [name, net] of [['w1', netS], ['w2', netS], ['w3', netL], ['w4', netS]] as const) {
    const extra: Record<string, unknown[]> = { w1: [{ opt_name: 'sntp-server', opt_value: '2001:db8::123', ip_version: 6 }], w4: [{ opt_name: 'dns-server', opt_value: '198.51.100.77', ip_version: 4 }] };
    ports[name] = (await api.post('/v2.0/ports', { port: { network_id: net.id, name, extra_dhcp_opts: extra[name] ?? [] } })).body.port;
    ns[name] = await topo.addWorkload(name, 'hv1', ports[name].id);
    // A guest NIC that starts at 1500 bytes learns the network's 1450 from the RA (the kernel
    // applies an RA's MTU only when it differs from the link's).
    assert.equal((await run('ip', ['-n', ns[name], 'link', 'set', 'eth0', 'mtu', '1500'])).code, 0);
    await countRaFlags(topo, ns[name]);
  }
  for (const name of Object.keys(ports)) await topo.waitPortStatus(ports[name].id, 'ACTIVE');

  // Router advertisements: M alone on the stateful subnet, O alone on the stateless one (both
  // from the RA's flag byte), the network's MTU on the learnt default route.
  for (const [name, flags] of [['w1', ['M']], ['w3', ['O']]] as const) {
    await waitFor(`a router advertisement in ${name}`, async () => (await raFlagsSeen(ns[name])).length > 0, 40_000, 500);
    assert.deepEqual(await raFlagsSeen(ns[name]), flags, `RA flags seen by ${name}`);
    const routes = await waitFor(`default route with the RA's MTU in ${name}`, async () => {
      const out = (await run('ip', ['-n', ns[name], '-6', 'route', 'show', 'default'])).stdout;
      return /default via fe80::\S+ dev eth0 proto ra .*mtu 1450/.test(out) ? out : null;
    });
    assert.match(routes, /default via fe80::/);
    const mtu6 = (await run('ip', ['netns', 'exec', ns[name], 'sysctl', '-n', 'net.ipv6.conf.eth0.mtu'])).stdout.trim();
    assert.equal(mtu6, '1450', `${name} takes the network's MTU from the RA`);
  }

  // Stateful: exactly the port's address (matched by MAC), DNS, domain, the v6 extra option.
  const fixed1 = v6of(ports.w1);
  const lease1 = await dhclient.run(ns.w1, 'w1', []);
  assert.equal(lease1.new_ip6_address, fixed1);
  assert.equal(lease1.new_dhcp6_name_servers, '2001:db8::53');
  assert.equal(lease1.new_dhcp6_domain_search, 'openstacklocal.');
  assert.equal(lease1.new_dhcp6_sntp_servers, '2001:db8::123', 'extra_dhcp_opts with ip_version 6');
  // Another client identity (DUID-LL instead of DUID-LLT, a fresh lease file) on the same port still gets its address.
  const lease2 = await dhclient.run(ns.w2, 'w2', ['-D', 'LL']);
  assert.equal(lease2.new_ip6_address, v6of(ports.w2));
  // No A flag: no SLAAC address beside the DHCPv6 one.
  for (const name of ['w1', 'w2']) {
    assert.deepEqual((await globalAddresses(ns[name])).map((a) => a.local), [v6of(ports[name])], `${name} holds only its DHCPv6 address`);
  }

  // The IPv4 side of a dual-stack host line: udhcpc in w4 (it flushes eth0, so not in w1/w2).
  const lease4 = await topo.dhcp(ns.w4);
  assert.equal(lease4.ip, ports.w4.fixed_ips.find((f: any) => f.subnet_id === subS4.id).ip_address);
  assert.equal(lease4.dns, '198.51.100.77', 'an IPv4 extra_dhcp_opt from the port\'s --dhcp-optsdir file');

  // Stateless: SLAAC gives the port's EUI-64 fixed IP, DHCPv6 only DNS and domain.
  const fixed3 = v6of(ports.w3);
  await waitFor(`SLAAC address ${fixed3} in w3`, async () => (await globalAddresses(ns.w3)).some((a) => a.local === fixed3 && !a.tentative), 40_000, 300);
  const info3 = await dhclient.run(ns.w3, 'w3', ['-S']);
  assert.equal(info3.new_ip6_address, undefined, 'an Information-Request gets no address');
  assert.equal(info3.new_dhcp6_name_servers, '2001:db8::54');
  assert.equal(info3.new_dhcp6_domain_search, 'openstacklocal.');

  // Packets: on the stateful link (on-link prefix from the RA, /128 addresses) and across the router.
  await waitFor('w1 pings w2 over IPv6', async () => (await topo.exec(ns.w1, 'busybox', ['ping6', '-c', '1', '-W', '1', v6of(ports.w2)])).code === 0);
  await waitFor('w2 pings w1 over IPv6', async () => (await topo.exec(ns.w2, 'busybox', ['ping6', '-c', '1', '-W', '1', fixed1])).code === 0);
  await waitFor('w1 reaches w3 through the router', async () => (await topo.exec(ns.w1, 'busybox', ['ping6', '-c', '1', '-W', '1', fixed3])).code === 0);

  // The agent killed (-9) and restarted: radvd and both dnsmasq are right and keep running.
  const raDir = path.join(hv.config.state_dir, 'l3', router.id);
  const dhcpDir = (net: any) => path.join(hv.config.state_dir, 'dhcp', net.id);
  const daemons = () => [livePid(path.join(raDir, 'ra.pid'), raDir), livePid(path.join(dhcpDir(netS), 'pid'), dhcpDir(netS)), livePid(path.join(dhcpDir(netL), 'pid'), dhcpDir(netL))];
  const running = daemons();
  assert.ok(running.every((pid) => pid), `radvd and dnsmasq run: ${running}`);
  await topo.killAgent('hv1', 'SIGKILL');
  topo.startAgent('hv1', hv.config);
  await waitFor('the restarted agent reconciled', async () => (topo.agentLog('hv1').match(/initial reconcile done/g) ?? []).length >= 2, 60_000, 500);
  assert.deepEqual(daemons(), running, 'the same radvd and dnsmasq processes');

  // Churn with DHCPv6 leases present: ports come (hostsdir: no signal, no restart), with
  // `set:` tags from IPv6 extra options, then half of them go (a restart, never SIGHUP).
  const dir = path.join(hv.config.state_dir, 'dhcp', netS.id);
  const pid = livePid(path.join(dir, 'pid'), dir);
  assert.ok(pid, 'dnsmasq runs');
  const added: any[] = [];
  for (let i = 0; i < 12; i++) {
    added.push((await api.post('/v2.0/ports', { port: { network_id: netS.id, name: `c${i}`, extra_dhcp_opts: [{ opt_name: 'sntp-server', opt_value: `2001:db8::${i + 1}`, ip_version: 6 }] } })).body.port);
  }
  await waitFor('host files of the added ports', async () => added.every((p) => fs.existsSync(path.join(dir, 'host', p.id))));
  assert.equal(livePid(path.join(dir, 'pid'), dir), pid, 'the same dnsmasq read the added hosts');
  const lease1b = await dhclient.run(ns.w1, 'w1', []);
  assert.equal(lease1b.new_ip6_address, fixed1, 'answers a restarted client after the additions');
  // A port added during the churn: its host line and its options (--dhcp-optsdir) were read without a restart.
  const late = added[11];
  const lateNs = await topo.addWorkload('c11', 'hv1', late.id);
  await topo.waitPortStatus(late.id, 'ACTIVE');
  const leaseLate = await dhclient.run(lateNs, 'c11', []);
  assert.equal(leaseLate.new_ip6_address, v6of(late));
  assert.equal(leaseLate.new_dhcp6_sntp_servers, '2001:db8::12');
  assert.equal(livePid(path.join(dir, 'pid'), dir), pid, 'still the same dnsmasq');
  for (const p of added.slice(0, 6)) assert.equal((await api.del(`/v2.0/ports/${p.id}`)).status, 204);
  await waitFor('host files of deleted ports gone', async () => added.slice(0, 6).every((p) => !fs.existsSync(path.join(dir, 'host', p.id))));
  const after = await waitFor('dnsmasq running after the removals', async () => livePid(path.join(dir, 'pid'), dir));
  assert.ok(fs.readFileSync(path.join(dir, 'host', added[6].id), 'utf8').includes(`set:port-${added[6].id}`));
  assert.ok(!fs.existsSync(path.join(dir, 'portopts', added[0].id)), 'a deleted port\'s options are gone');
  const lease2b = await dhclient.run(ns.w2, 'w2', ['-D', 'LL']);
  assert.equal(lease2b.new_ip6_address, v6of(ports.w2), 'answers after the removals');
  assert.equal(livePid(path.join(dir, 'pid'), dir), after, 'and keeps running');
});
