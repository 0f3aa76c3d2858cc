// The reachability engine on hand-built snapshots: each kind of hop and of block, the
// return direction, and what the caller may not see.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { SnapRule, TrafficSpec } from '../../src/extensions/reachability/snapshot.ts';
import { World } from '../helpers/reachability-world.ts';

const TCP443: TrafficSpec = { protocol: 'tcp', port: 443 };
const EGRESS_ALL: Partial<SnapRule>[] = [{ direction: 'egress' }];

/** Two networks behind a router with a gateway; a client (egress all) and a server (ingress tcp/443 from 10.0.0.0/24). */
function twoNetworks() {
  const w = new World();
  const a = w.network('10.0.0.0/24');
  const b = w.network('10.0.1.0/24');
  const ext = w.network('203.0.113.0/24', { router_external: true });
  const router = w.router([a, b], {}, { subnet: ext, ip: '203.0.113.10' });
  const clientGroup = w.group('client', EGRESS_ALL);
  const web = w.group('web', [{ protocol: 'tcp', port_range_min: 443, port_range_max: 443, remote_ip_prefix: '10.0.0.0/24' }, ...EGRESS_ALL]);
  const client = w.port(a, '10.0.0.5', { security_groups: [clientGroup.id] });
  const server = w.port(b, '10.0.1.5', { security_groups: [web.id] });
  return { w, a, b, ext, router, clientGroup, web, client, server };
}

describe('reachability engine', () => {
  it('connected route between two networks, with the admitting rules', () => {
    const { w, client, server, web, clientGroup, router } = twoNetworks();
    const r = w.ask(client, server, TCP443);
    assert.equal(r.verdict, 'reachable');
    assert.equal(r.forward.find((h) => h.kind === 'egress_rule')?.rule_id, clientGroup.rules[0].id);
    assert.equal(r.forward.find((h) => h.kind === 'route')?.resource?.id, router.id);
    assert.equal(r.forward.at(-1)?.rule_id, web.rules[0].id);
    assert.deepEqual(r.return.map((h) => h.ok), [true, true]);
  });

  it('same network: delivered without a router', () => {
    const { w, a, client, web } = twoNetworks();
    const peer = w.port(a, '10.0.0.9', { security_groups: [web.id] });
    const r = w.ask(client, peer, TCP443);
    assert.equal(r.verdict, 'reachable');
    assert.ok(!r.forward.some((h) => h.kind === 'route'));
  });

  it('ingress default deny: the rule to add names the source subnet and the group', () => {
    const { w, client, server, web } = twoNetworks();
    const r = w.ask(client, server, { protocol: 'tcp', port: 80 });
    assert.equal(r.verdict, 'not_reachable');
    assert.equal(r.blocked_by?.kind, 'ingress_rule');
    assert.equal(r.blocked_by?.resource?.id, web.id);
    assert.match(r.suggestion!, /^add an ingress rule tcp\/80 from 10\.0\.0\.0\/24 to group web .*--dst-port 80 --remote-ip 10\.0\.0\.0\/24/);
  });

  it('egress default deny at the source', () => {
    const { w, a, server } = twoNetworks();
    const quiet = w.group('quiet', []);
    const client = w.port(a, '10.0.0.6', { security_groups: [quiet.id] });
    const r = w.ask(client, server, TCP443);
    assert.equal(r.blocked_by?.kind, 'egress_rule');
    assert.match(r.suggestion!, /^add an egress rule tcp\/443 to 10\.0\.1\.5\/32 to group quiet/);
  });

  it('port security enabled without any group drops everything', () => {
    const { w, client, b } = twoNetworks();
    const bare = w.port(b, '10.0.1.8');
    const r = w.ask(client, bare, TCP443);
    assert.equal(r.blocked_by?.kind, 'ingress_rule');
    assert.match(r.suggestion!, /add a security group to port/);
  });

  it('port security disabled: no anti-spoofing and no filtering on either side', () => {
    const { w, a, b } = twoNetworks();
    const src = w.port(a, '10.0.0.7', { port_security_enabled: false });
    const dst = w.port(b, '10.0.1.7', { port_security_enabled: false });
    const r = w.ask(src, dst, { protocol: 'udp', port: 53 }, '10.0.0.99');
    assert.equal(r.verdict, 'reachable');
    assert.match(r.forward[1].detail, /port security disabled/);
  });

  it('anti-spoofing: an address outside fixed IPs is dropped; an allowed address pair CIDR admits it', () => {
    const { w, client, server } = twoNetworks();
    assert.equal(w.ask(client, server, TCP443, '10.0.0.50').blocked_by?.kind, 'anti_spoofing');
    client.allowed_address_pairs = [{ ip_address: '10.0.0.48/29' }];
    const r = w.ask(client, server, TCP443, '10.0.0.50');
    assert.equal(r.verdict, 'reachable');
    assert.match(r.forward[1].detail, /allowed address pair 10\.0\.0\.48\/29/);
  });

  it('admin_state_up false: source port, destination port, network, router', () => {
    for (const down of ['client', 'server', 'network', 'router'] as const) {
      const t = twoNetworks();
      if (down === 'client') t.client.admin_state_up = false;
      if (down === 'server') t.server.admin_state_up = false;
      if (down === 'network') t.w.networks.get(t.b.network_id)!.admin_state_up = false;
      if (down === 'router') t.router.admin_state_up = false;
      const r = t.w.ask(t.client, t.server, TCP443);
      assert.equal(r.verdict, 'not_reachable', down);
      assert.match(r.blocked_by!.reason, /administratively down/);
      assert.match(r.suggestion!, /^set admin_state_up true on (port|network|router) /);
    }
  });

  it('a subnet whose gateway no router holds', () => {
    const w = new World();
    const a = w.network('10.0.0.0/24');
    const b = w.network('10.0.1.0/24');
    const g = w.group('all', [{ direction: 'egress' }, {}]);
    const src = w.port(a, '10.0.0.5', { security_groups: [g.id] });
    const dst = w.port(b, '10.0.1.5', { security_groups: [g.id] });
    const r = w.ask(src, dst, TCP443);
    assert.equal(r.blocked_by?.kind, 'subnet_gateway');
    assert.match(r.suggestion!, /^add subnet subnet-\d+ to a router/);
  });

  it('a router without a gateway has no route out; with one it SNATs to the gateway IP', () => {
    const { w, client, router } = twoNetworks();
    const r = w.ask(client, '198.51.100.7', TCP443);
    assert.equal(r.verdict, 'reachable');
    assert.match(r.forward.find((h) => h.kind === 'nat')!.detail, /SNAT to the gateway IP 203\.0\.113\.10/);
    assert.equal(r.forward.at(-1)?.kind, 'external');
    router.gateway = null;
    const none = w.ask(client, '198.51.100.7', TCP443);
    assert.equal(none.blocked_by?.kind, 'route');
    assert.match(none.suggestion!, /set an external gateway on router/);
  });

  it('a router without SNAT: the verdict is unknown (replies need a route back)', () => {
    const { w, client, router } = twoNetworks();
    router.enable_snat = false;
    const r = w.ask(client, '198.51.100.7', TCP443);
    assert.equal(r.verdict, 'unknown');
    assert.match(r.forward.find((h) => h.kind === 'nat')!.detail, /no SNAT/);
  });

  it('to a floating IP of the same router (hairpin): SNAT to the source\'s floating IP, else to the gateway address whatever enable_snat says', () => {
    const { w, client, server, router, ext, b, clientGroup, web } = twoNetworks();
    w.floatingIp(ext, '203.0.113.60', router, server);
    const snatted = w.ask(client, '203.0.113.60', TCP443);
    assert.equal(snatted.verdict, 'not_reachable', 'the gateway address is not in 10.0.0.0/24');
    assert.match(snatted.forward.find((h) => h.kind === 'nat')!.detail, /SNAT to the gateway IP 203\.0\.113\.10 .*hairpin/);
    router.enable_snat = false;
    web.rules.push({ id: 'from-gw', direction: 'ingress', ethertype: 'IPv4', protocol: 'tcp', port_range_min: 443, port_range_max: 443, remote_ip_prefix: '203.0.113.10/32', remote_group_id: null, remote_address_group_id: null });
    const hairpin = w.ask(client, '203.0.113.60', TCP443);
    assert.equal(hairpin.verdict, 'reachable', JSON.stringify(hairpin.blocked_by ?? hairpin.note));
    assert.match(hairpin.forward.find((h) => h.kind === 'nat' && /gateway/.test(h.detail))!.detail, /hairpin/);
    assert.equal(hairpin.forward.at(-1)!.rule_id, 'from-gw');
    const neighbour = w.port(b, '10.0.1.6', { security_groups: [clientGroup.id] });
    assert.equal(w.ask(neighbour, '203.0.113.60', TCP443).verdict, 'reachable', 'from the same network too');
    w.floatingIp(ext, '203.0.113.61', router, neighbour);
    const own = w.ask(neighbour, '203.0.113.60', TCP443);
    assert.match(own.forward.find((h) => h.kind === 'nat')!.detail, /floating IP 203\.0\.113\.61/);
  });

  it('an address on the external subnet that no port holds is outside the cloud (its gateway host): the packet leaves to it', () => {
    const { w, client, router } = twoNetworks();
    const r = w.ask(client, '203.0.113.1', TCP443);
    assert.equal(r.verdict, 'reachable', JSON.stringify(r.blocked_by));
    assert.equal(r.forward.at(-1)?.kind, 'external');
    router.enable_snat = false;
    assert.equal(w.ask(client, '203.0.113.1', TCP443).verdict, 'unknown', 'without SNAT the replies need a route back');
  });

  it('a source with a floating IP is SNATed to it', () => {
    const { w, client, router, ext } = twoNetworks();
    w.floatingIp(ext, '203.0.113.50', router, client);
    const r = w.ask(client, '198.51.100.7', TCP443);
    assert.match(r.forward.find((h) => h.kind === 'nat')!.detail, /SNAT: the source becomes the floating IP 203\.0\.113\.50/);
  });

  it('from outside: floating IP DNAT, an unassociated floating IP, a private address', () => {
    const { w, server, router, ext, web } = twoNetworks();
    const fip = w.floatingIp(ext, '203.0.113.60', router, server);
    web.rules.push({ id: 'open', direction: 'ingress', ethertype: 'IPv4', protocol: 'tcp', port_range_min: 443, port_range_max: 443, remote_ip_prefix: null, remote_group_id: null, remote_address_group_id: null });
    const r = w.ask('198.51.100.7', '203.0.113.60', TCP443);
    assert.equal(r.verdict, 'reachable');
    assert.ok(r.forward.some((h) => h.kind === 'nat' && h.resource?.id === fip.id));
    assert.equal(w.ask('198.51.100.7', server, TCP443).verdict, 'reachable', 'a port is reached through its floating IP');
    fip.fixed_port_id = null;
    fip.fixed_ip_address = null;
    const loose = w.ask('198.51.100.7', '203.0.113.60', TCP443);
    assert.equal(loose.blocked_by?.kind, 'floating_ip');
    assert.match(loose.suggestion!, /associate floating IP/);
    const priv = w.ask('198.51.100.7', '10.0.1.5', TCP443);
    assert.equal(priv.blocked_by?.kind, 'external');
    assert.match(priv.suggestion!, /associate a floating IP with port/);
  });

  it('port forwarding: DNAT to the internal socket; another external port is refused', () => {
    const { w, router, ext, server, web } = twoNetworks();
    web.rules.push({ id: 'any-443', direction: 'ingress', ethertype: 'IPv4', protocol: 'tcp', port_range_min: 443, port_range_max: 443, remote_ip_prefix: '0.0.0.0/0', remote_group_id: null, remote_address_group_id: null });
    const fip = w.floatingIp(ext, '203.0.113.70', router);
    fip.port_forwardings.push({ id: 'pf-1', protocol: 'tcp', external_port: 8443, internal_port: 443, internal_ip_address: '10.0.1.5', internal_port_id: server.id });
    const r = w.ask('198.51.100.7', '203.0.113.70', { protocol: 'tcp', port: 8443 });
    assert.equal(r.verdict, 'reachable');
    assert.equal(r.forward.find((h) => h.kind === 'port_forwarding')?.resource?.id, 'pf-1');
    assert.equal(r.forward.at(-1)?.rule_id, 'any-443', 'the ingress rule sees the internal port');
    const miss = w.ask('198.51.100.7', '203.0.113.70', { protocol: 'udp', port: 8443 });
    assert.equal(miss.blocked_by?.kind, 'port_forwarding');
  });

  it('extra routes: to another router (followed), to an instance (unknown), to nobody (blocked)', () => {
    const w = new World();
    const a = w.network('10.0.0.0/24');
    const transit = w.network('10.0.9.0/24');
    const far = w.network('10.5.0.0/24');
    const all = w.group('all', [{ direction: 'egress' }, {}]);
    const r1 = w.router([a, transit], { routes: [{ destination: '10.5.0.0/16', nexthop: '10.0.9.2' }] });
    const r2 = w.router([far]);
    const hop = w.port(transit, '10.0.9.2', { device_owner: 'network:router_interface', device_id: r2.id });
    r2.interfaces.push({ port_id: hop.id, network_id: transit.network_id, subnet_id: transit.id, ip_address: '10.0.9.2' });
    const src = w.port(a, '10.0.0.5', { security_groups: [all.id] });
    const dst = w.port(far, '10.5.0.5', { security_groups: [all.id] });
    const r = w.ask(src, dst, TCP443);
    assert.equal(r.verdict, 'reachable', JSON.stringify(r.blocked_by));
    assert.deepEqual(r.forward.filter((h) => h.kind === 'route').map((h) => h.resource?.id), [r1.id, r2.id]);
    assert.match(r.forward.filter((h) => h.kind === 'route')[0].detail, /extra route 10\.5\.0\.0\/16 via 10\.0\.9\.2/);
    // The next hop is an instance instead.
    r2.interfaces = r2.interfaces.filter((i) => i.port_id !== hop.id);
    hop.device_owner = 'compute:nova';
    assert.equal(w.ask(src, dst, TCP443).verdict, 'unknown');
    w.ports.delete(hop.id);
    assert.equal(w.ask(src, dst, TCP443).blocked_by?.kind, 'route');
  });

  it('a host route sends the packet to another router', () => {
    const w = new World();
    const a = w.network('10.0.0.0/24', {}, { host_routes: [{ destination: '10.7.0.0/24', nexthop: '10.0.0.254' }] });
    const other = w.network('10.7.0.0/24');
    const all = w.group('all', [{ direction: 'egress' }, {}]);
    const r = w.router([other]);
    const iface = w.port(a, '10.0.0.254', { device_owner: 'network:router_interface', device_id: r.id });
    r.interfaces.push({ port_id: iface.id, network_id: a.network_id, subnet_id: a.id, ip_address: '10.0.0.254' });
    const src = w.port(a, '10.0.0.5', { security_groups: [all.id] });
    const dst = w.port(other, '10.7.0.5', { security_groups: [all.id] });
    const out = w.ask(src, dst, TCP443);
    assert.equal(out.verdict, 'reachable');
    assert.match(out.forward.find((h) => h.kind === 'subnet_gateway')!.detail, /host route 10\.7\.0\.0\/24 via 10\.0\.0\.254/);
  });

  it('remote_group_id matches the addresses of the group’s members only', () => {
    const { w, client, server, web, clientGroup } = twoNetworks();
    web.rules.push({ id: 'from-clients', direction: 'ingress', ethertype: 'IPv4', protocol: 'tcp', port_range_min: 22, port_range_max: 22, remote_ip_prefix: null, remote_group_id: clientGroup.id, remote_address_group_id: null });
    assert.equal(w.ask(client, server, { protocol: 'tcp', port: 22 }).verdict, 'not_reachable', 'no membership known');
    w.groupMembers.set('10.0.0.5', new Set([clientGroup.id]));
    assert.equal(w.ask(client, server, { protocol: 'tcp', port: 22 }).forward.at(-1)?.rule_id, 'from-clients');
  });

  it('protocol any is admitted by protocol-less rules only; icmp by type', () => {
    const { w, client, server, web } = twoNetworks();
    assert.equal(w.ask(client, server, { protocol: 'any' }).verdict, 'not_reachable');
    web.rules.push({ id: 'ping', direction: 'ingress', ethertype: 'IPv4', protocol: 'icmp', port_range_min: 8, port_range_max: null, remote_ip_prefix: null, remote_group_id: null, remote_address_group_id: null });
    assert.equal(w.ask(client, server, { protocol: 'icmp' }).forward.at(-1)?.rule_id, 'ping');
    assert.equal(w.ask(client, server, { protocol: 'icmp', port: 13 }).verdict, 'not_reachable');
  });

  it('icmp rules with a code (port_range_max) admit only that code: echo request and reply are code 0', () => {
    const { w, client, server, web } = twoNetworks();
    const rule = { id: 'ping-code-1', direction: 'ingress', ethertype: 'IPv4', protocol: 'icmp', port_range_min: 8, port_range_max: 1, remote_ip_prefix: null, remote_group_id: null, remote_address_group_id: null } as const;
    web.rules.push({ ...rule });
    assert.equal(w.ask(client, server, { protocol: 'icmp' }).verdict, 'not_reachable', 'echo request is code 0, not 1');
    web.rules.push({ ...rule, id: 'ping-code-0', port_range_max: 0 });
    assert.equal(w.ask(client, server, { protocol: 'icmp' }).forward.at(-1)?.rule_id, 'ping-code-0');
  });

  it('stateful=false: the replies need explicit rules on both ends', () => {
    const { w, client, server, web, clientGroup } = twoNetworks();
    web.stateful = false;
    web.rules = web.rules.filter((r) => r.direction === 'ingress');
    const r = w.ask(client, server, TCP443);
    assert.equal(r.verdict, 'not_reachable');
    assert.equal(r.blocked_by?.direction, 'return');
    assert.match(r.suggestion!, /^add an egress rule tcp to 10\.0\.0\.0\/24 to group web \(its groups are stateful=false/);
    assert.match(r.blocked_by!.reason, /the reply \(tcp to an ephemeral port\) to 10\.0\.0\.5/);
    web.rules.push({ id: 'replies', direction: 'egress', ethertype: 'IPv4', protocol: 'tcp', port_range_min: 1024, port_range_max: 65535, remote_ip_prefix: '10.0.0.0/24', remote_group_id: null, remote_address_group_id: null });
    const ok = w.ask(client, server, TCP443);
    assert.equal(ok.verdict, 'reachable');
    assert.equal(ok.return[0].rule_id, 'replies');
    // A stateless source needs an ingress rule for the replies too.
    clientGroup.stateful = false;
    const src = w.ask(client, server, TCP443);
    assert.equal(src.blocked_by?.direction, 'return');
    assert.equal(src.blocked_by?.kind, 'ingress_rule');
  });

  it('IPv6 is routed without NAT', () => {
    const w = new World();
    const a = w.network('2001:db8:1::/64');
    const ext = w.network('2001:db8:ff::/64', { router_external: true });
    w.router([a], {}, { subnet: ext, ip: '2001:db8:ff::10' });
    const g = w.group('all', [{ direction: 'egress', ethertype: 'IPv6' }]);
    const src = w.port(a, '2001:db8:1::5', { security_groups: [g.id] });
    const r = w.ask(src, '2001:db8:99::1', TCP443);
    assert.equal(r.verdict, 'reachable');
    assert.match(r.forward.find((h) => h.kind === 'nat')!.detail, /no NAT/);
  });

  it('what the caller may not see is named generically, without ids, names or private addresses', () => {
    const w = new World();
    const a = w.network('10.0.0.0/24');
    const ext = w.network('203.0.113.0/24', { router_external: true });
    const mine = w.router([a], {}, { subnet: ext, ip: '203.0.113.10' });
    const theirNet = w.network('10.0.0.0/24', { visible: false, name: 'hidden-net' });
    const theirRouter = w.router([theirNet], { visible: false, name: 'hidden-router' }, { subnet: ext, ip: '203.0.113.11' });
    const g = w.group('mine', EGRESS_ALL);
    const theirGroup = w.group('hidden-group', [], { visible: false });
    const src = w.port(a, '10.0.0.5', { security_groups: [g.id] });
    const target = w.port(theirNet, '10.0.0.77', { visible: false, name: 'hidden-port', security_groups: [theirGroup.id] });
    w.floatingIp(ext, '203.0.113.80', theirRouter, target, { visible: false });
    const r = w.ask(src, '203.0.113.80', TCP443);
    const text = JSON.stringify(r);
    assert.equal(r.verdict, 'not_reachable');
    for (const secret of [theirRouter.id, target.id, theirGroup.id, 'hidden', '10.0.0.77', '203.0.113.11']) assert.ok(!text.includes(secret), `${secret} leaked: ${text}`);
    assert.deepEqual(r.blocked_by?.resource, { type: 'security_group', label: 'a security group you cannot see' });
    assert.match(r.suggestion!, /owner of the destination/);
    assert.ok(text.includes(mine.id));
    theirGroup.rules.push({ id: 'hidden-rule', direction: 'ingress', ethertype: 'IPv4', protocol: null, port_range_min: null, port_range_max: null, remote_ip_prefix: null, remote_group_id: null, remote_address_group_id: null });
    const open = w.ask(src, '203.0.113.80', TCP443);
    assert.equal(open.verdict, 'reachable');
    assert.ok(!JSON.stringify(open).includes('hidden'));
  });
});
