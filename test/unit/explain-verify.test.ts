// explain's verify, the pure parts: the checks built from an explanation's hops
// (reachability/verify.ts, on hand-built snapshots), the agent's reading of nft's JSON
// (agent/verify/inspect.ts, on a table nft 1.0.6 printed for rules the firewall's ruleText
// wrote), the ovn-trace microflow and drop stage, and the CLI's rendering of a verification.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { explain } from '../../src/extensions/reachability/engine.ts';
import { verifyRequest } from '../../src/extensions/reachability/verify.ts';
import type { TrafficSpec } from '../../src/extensions/reachability/snapshot.ts';
import { elementCovers, parseNftTable, protocolNumber, ruleIs } from '../../src/agent/verify/inspect.ts';
import { delivered, dropStage, microflow } from '../../src/backends/ovn/verify.ts';
import { formatAnswer } from '../../src/cli/explain.ts';
import { World } from '../helpers/reachability-world.ts';

/** Two networks behind a router with a gateway; client on host h1, server on h2, the router's ports on h3. */
function world() {
  const w = new World();
  const a = w.network('10.0.0.0/24');
  const b = w.network('10.0.1.0/24');
  const ext = w.network('203.0.113.0/24', { router_external: true });
  const router = w.router([a, b], {}, { subnet: ext, ip: '203.0.113.10' });
  const clientGroup = w.group('client', [{ direction: 'egress' }]);
  const web = w.group('web', [{ protocol: 'tcp', port_range_min: 443, port_range_max: 443, remote_ip_prefix: '10.0.0.0/24' }, { direction: 'egress' }]);
  const client = w.port(a, '10.0.0.5', { security_groups: [clientGroup.id] });
  const server = w.port(b, '10.0.1.5', { security_groups: [web.id] });
  const hosts = new Map<string, { host: string; mac: string }>();
  for (const p of w.ports.values()) hosts.set(p.id, { host: p.device_owner.startsWith('network:router') ? 'h3' : p === client ? 'h1' : 'h2', mac: `fa:16:3e:00:00:${hosts.size.toString(16).padStart(2, '0')}` });
  return { w, a, b, ext, router, clientGroup, web, client, server, hosts };
}

const checksOf = (w: World, src: any, dst: any, traffic: TrafficSpec, hosts: Map<string, { host: string; mac: string }>) => {
  const s = w.snapshot(src, dst);
  const answer = explain(s, traffic);
  return { answer, request: verifyRequest(s, traffic, answer, hosts, 1000) };
};

describe('explain verify: checks from hops', () => {
  it("a routed path: the rules on each port's host, the router's interfaces and route on its host", () => {
    const { w, client, server, web, clientGroup, router, hosts } = world();
    const { answer, request } = checksOf(w, client, server, { protocol: 'tcp', port: 443 }, hosts);
    assert.equal(answer.verdict, 'reachable');
    const got = request.checks.map((c) => [c.id, c.kind, c.host]);
    const hop = (kind: string, n = 0) => `f${answer.forward.map((h, i) => [h.kind, i] as const).filter(([k]) => k === kind)[n][1]}`;
    assert.deepEqual(got, [
      [hop('egress_rule'), 'security_group_rule', 'h1'],
      [hop('router_interface'), 'router_interface', 'h3'],
      [hop('route'), 'route', 'h3'],
      [hop('router_interface', 1), 'router_interface', 'h3'],
      [hop('ingress_rule'), 'security_group_rule', 'h2'],
    ]);
    const [egress, , route, , ingress] = request.checks;
    assert.equal(egress.security_group_id, clientGroup.id);
    assert.equal(egress.direction, 'egress');
    assert.equal(ingress.rule!.id, web.rules[0].id);
    assert.equal(route.address, '10.0.1.5');
    assert.equal(route.via_port_id, router.interfaces[1].port_id);
    assert.equal(request.packet.first_hop_mac, hosts.get(router.interfaces[0].port_id)!.mac, 'the first hop is the router interface');
    assert.equal(request.packet.destination_port_id, server.id);
  });

  it('a blocked port: port_filtered where the default deny drops it', () => {
    const { w, client, server, hosts } = world();
    const { answer, request } = checksOf(w, client, server, { protocol: 'tcp', port: 22 }, hosts);
    assert.equal(answer.verdict, 'not_reachable');
    const last = request.checks.at(-1)!;
    assert.deepEqual([last.kind, last.port_id, last.direction, last.host], ['port_filtered', server.id, 'ingress', 'h2']);
  });

  it('port security off, remote and address groups, and a port without a host', () => {
    const { w, a, b, client, hosts } = world();
    const open = w.port(b, '10.0.1.6', { port_security_enabled: false });
    let { request } = checksOf(w, client, open, { protocol: 'tcp', port: 80 }, hosts);
    assert.equal(request.checks.at(-1)!.kind, 'port_unfiltered');
    assert.equal(request.checks.at(-1)!.host, undefined, 'no binding host: placed nowhere');
    const ag = { id: 'ag-1', name: 'ag', project_id: 'p', visible: true, addresses: ['10.0.0.0/28'] };
    w.addressGroups.set(ag.id, ag);
    const peers = w.group('peers', [{ protocol: 'tcp', port_range_min: 80, port_range_max: 80, remote_address_group_id: ag.id }]);
    const target = w.port(a, '10.0.0.9', { security_groups: [peers.id] });
    hosts.set(target.id, { host: 'h2', mac: 'fa:16:3e:00:00:99' });
    ({ request } = checksOf(w, client, target, { protocol: 'tcp', port: 80 }, hosts));
    const member = request.checks.at(-1)!;
    assert.deepEqual([member.kind, member.group_id, member.address, member.host], ['address_group_member', ag.id, '10.0.0.5', 'h2']);
    assert.equal(member.id, `${request.checks.at(-2)!.id}.group`);
  });

  it('NAT: SNAT to the gateway address, a floating IP and a port forwarding from outside', () => {
    const { w, ext, router, client, server, web, hosts } = world();
    let { request } = checksOf(w, client, '198.51.100.7', { protocol: 'tcp', port: 443 }, hosts);
    const snat = request.checks.find((c) => c.kind === 'snat')!;
    assert.deepEqual([snat.address, snat.translated, snat.host], ['10.0.0.5', '203.0.113.10', 'h3']);
    assert.equal(request.checks.find((c) => c.kind === 'route')!.via_port_id, router.gateway!.port_id);
    assert.equal(request.packet.exit_network_id, ext.network_id);

    web.rules.push({ id: 'r-out', direction: 'ingress', ethertype: 'IPv4', protocol: 'tcp', port_range_min: 8443, port_range_max: 8443, remote_ip_prefix: '198.51.100.0/24', remote_group_id: null, remote_address_group_id: null });
    w.floatingIp(ext, '203.0.113.20', router, undefined, { port_forwardings: [{ id: 'pf-1', protocol: 'tcp', external_port: 443, internal_port: 8443, internal_ip_address: '10.0.1.5', internal_port_id: server.id }] });
    ({ request } = checksOf(w, '198.51.100.7', '203.0.113.20', { protocol: 'tcp', port: 443 }, hosts));
    const dnat = request.checks.find((c) => c.kind === 'dnat')!;
    assert.deepEqual([dnat.address, dnat.port, dnat.translated, dnat.translated_port, dnat.host], ['203.0.113.20', 443, '10.0.1.5', 8443, 'h3']);
    assert.equal(request.checks.find((c) => c.kind === 'route')!.address, '10.0.1.5', 'routed after the DNAT');
    const gateway = request.checks.find((c) => c.kind === 'router_interface')!;
    assert.deepEqual([gateway.port_id, gateway.address], [router.gateway!.port_id, '203.0.113.20'], 'the gateway device holds the floating IP');
    assert.equal(request.checks.at(-1)!.rule!.id, 'r-out');
  });

  it("stateful=false groups: the return hops' rules are checked too", () => {
    const w = new World();
    const a = w.network('10.0.0.0/24');
    const g = w.group('stateless', [{ direction: 'egress' }, { direction: 'ingress' }], { stateful: false });
    const x = w.port(a, '10.0.0.5', { security_groups: [g.id] });
    const y = w.port(a, '10.0.0.6', { security_groups: [g.id] });
    const hosts = new Map([[x.id, { host: 'h1', mac: 'm1' }], [y.id, { host: 'h2', mac: 'm2' }]]);
    const { answer, request } = checksOf(w, x, y, { protocol: 'udp', port: 53 }, hosts);
    assert.equal(answer.verdict, 'reachable');
    const back = request.checks.filter((c) => c.id.startsWith('r'));
    assert.deepEqual(back.map((c) => [c.direction, c.port_id, c.host]), [['egress', y.id, 'h2'], ['ingress', x.id, 'h1']]);
  });
});

describe('explain verify: the agent reads nft JSON', () => {
  const table = parseNftTable(JSON.stringify({"nftables":[{"table":{"family":"bridge","name":"t"}},{"set":{"family":"bridge","name":"rg-grp-4","table":"t","type":"ipv4_addr","flags":["interval"],"elem":["10.0.0.5",{"prefix":{"addr":"10.9.0.0","len":16}},{"range":["10.20.0.1","10.20.0.9"]}]}},{"set":{"family":"bridge","name":"ag-ag1-4","table":"t","type":"ipv4_addr","flags":["interval"]}},{"chain":{"family":"bridge","table":"t","name":"c"}},{"rule":{"family":"bridge","table":"t","chain":"c","expr":[{"match":{"op":"==","left":{"payload":{"protocol":"ip","field":"saddr"}},"right":"@rg-grp-4"}},{"match":{"op":"==","left":{"payload":{"protocol":"tcp","field":"dport"}},"right":22}},{"accept":null}]}},{"rule":{"family":"bridge","table":"t","chain":"c","expr":[{"match":{"op":"==","left":{"payload":{"protocol":"ip","field":"saddr"}},"right":{"prefix":{"addr":"10.0.0.0","len":24}}}},{"match":{"op":"==","left":{"payload":{"protocol":"udp","field":"dport"}},"right":{"range":[1000,2000]}}},{"accept":null}]}},{"rule":{"family":"bridge","table":"t","chain":"c","expr":[{"match":{"op":"==","left":{"payload":{"protocol":"ip","field":"saddr"}},"right":"10.1.2.3"}},{"match":{"op":"==","left":{"payload":{"protocol":"icmp","field":"type"}},"right":"echo-request"}},{"accept":null}]}},{"rule":{"family":"bridge","table":"t","chain":"c","expr":[{"match":{"op":"==","left":{"payload":{"protocol":"ether","field":"type"}},"right":"ip"}},{"accept":null}]}},{"rule":{"family":"bridge","table":"t","chain":"c","expr":[{"match":{"op":"==","left":{"payload":{"protocol":"ip","field":"saddr"}},"right":"@ag-ag1-4"}},{"match":{"op":"==","left":{"meta":{"key":"l4proto"}},"right":"tcp"}},{"accept":null}]}},{"rule":{"family":"bridge","table":"t","chain":"c","expr":[{"match":{"op":"==","left":{"payload":{"protocol":"icmpv6","field":"type"}},"right":"echo-request"}},{"match":{"op":"==","left":{"payload":{"protocol":"icmpv6","field":"code"}},"right":"no-route"}},{"accept":null}]}},{"rule":{"family":"bridge","table":"t","chain":"c","expr":[{"match":{"op":"==","left":{"payload":{"protocol":"ether","field":"type"}},"right":"ip"}},{"match":{"op":"==","left":{"meta":{"key":"l4proto"}},"right":"gre"}},{"accept":null}]}}]}));
  const rules = table.chains.get('c')!;
  const rule = (r: Record<string, unknown>) => ({ ethertype: 'IPv4', direction: 'ingress', protocol: null, port_range_min: null, port_range_max: null, remote_ip_prefix: null, remote_group_id: null, remote_address_group_id: null, ...r }) as any;
  const which = (r: Record<string, unknown>) => rules.map((exprs, i) => (ruleIs(exprs, rule(r)) ? i : -1)).filter((i) => i >= 0);

  it('recognises each rule the firewall wrote, and only that one', () => {
    assert.deepEqual(which({ protocol: 'tcp', port_range_min: 22, port_range_max: 22, remote_group_id: 'grp' }), [0]);
    assert.deepEqual(which({ protocol: 'udp', port_range_min: 1000, port_range_max: 2000, remote_ip_prefix: '10.0.0.0/24' }), [1]);
    assert.deepEqual(which({ protocol: 'icmp', port_range_min: 8, remote_ip_prefix: '10.1.2.3/32' }), [2]);
    assert.deepEqual(which({}), [3], 'any protocol from anywhere');
    assert.deepEqual(which({ direction: 'egress' }), [3]);
    assert.deepEqual(which({ protocol: 'tcp', remote_address_group_id: 'ag1' }), [4]);
    assert.deepEqual(which({ ethertype: 'IPv6', protocol: 'icmp', port_range_min: 128, port_range_max: 0 }), [5]);
    assert.deepEqual(which({ protocol: '47' }), [6], 'nft prints gre, /etc/protocols names it');
    assert.deepEqual(which({ protocol: 'gre' }), [6]);
  });

  it('does not take a near miss for the rule', () => {
    assert.deepEqual(which({ protocol: 'tcp', port_range_min: 23, port_range_max: 23, remote_group_id: 'grp' }), []);
    assert.deepEqual(which({ protocol: 'tcp', port_range_min: 22, port_range_max: 22, remote_group_id: 'other' }), []);
    assert.deepEqual(which({ protocol: 'tcp', port_range_min: 22, port_range_max: 22 }), [], 'the rule names a remote group');
    assert.deepEqual(which({ protocol: 'udp', port_range_min: 1000, port_range_max: 2000, remote_ip_prefix: '10.0.0.0/16' }), []);
    assert.deepEqual(which({ protocol: 'icmp', port_range_min: 0, remote_ip_prefix: '10.1.2.3/32' }), []);
    assert.deepEqual(which({ ethertype: 'IPv6', protocol: 'icmp', port_range_min: 128 }), [], 'a code is matched');
    assert.deepEqual(which({ ethertype: 'IPv6' }), []);
  });

  it('reads sets and covers addresses by element, prefix and range', () => {
    const rg = table.sets.get('rg-grp-4')!;
    assert.deepEqual(rg, ['10.0.0.5', '10.9.0.0/16', '10.20.0.1-10.20.0.9']);
    assert.deepEqual(table.sets.get('ag-ag1-4'), []);
    const covered = (a: string) => rg.some((e) => elementCovers(e, a));
    assert.ok(covered('10.0.0.5') && covered('10.9.200.1') && covered('10.20.0.9'));
    assert.ok(!covered('10.0.0.6') && !covered('10.20.0.10') && !covered('2001:db8::1'));
    assert.ok(elementCovers('10.0.0.0/24,10.1.0.5', '10.1.0.5'), "a NAT rule's anonymous set");
    assert.equal(protocolNumber('tcp'), 6);
    assert.ok(Number.isNaN(protocolNumber('no-such-protocol')));
  });
});

describe('explain verify: ovn-trace', () => {
  it('writes the microflow of the packet, and reads delivery and the drop stage', () => {
    const flow = microflow({ source_port_id: 'p1', source_mac: 'fa:16:3e:00:00:01', first_hop_mac: 'fa:16:3e:00:00:02', source_ip: '10.0.0.5', destination_ip: '10.0.1.5', protocol: 'tcp', port: 22 });
    assert.equal(flow, 'inport == "p1" && eth.src == fa:16:3e:00:00:01 && eth.dst == fa:16:3e:00:00:02 && ip4.src == 10.0.0.5 && ip4.dst == 10.0.1.5 && ip.ttl == 64 && tcp && tcp.src == 40000 && tcp.dst == 22');
    assert.match(microflow({ source_port_id: 'p1', source_mac: 'm', first_hop_mac: 'n', source_ip: '2001:db8::1', destination_ip: '2001:db8::2', protocol: 'icmp' })!, /ip6\.src == 2001:db8::1 .*icmp6 && icmp6\.type == 128$/);
    assert.equal(microflow({ source_ip: '198.51.100.7', destination_ip: '10.0.0.5', protocol: 'icmp' }), null, 'no source port: not traced');
    const trace = ['ingress(dp="sw1", inport="p1")', '------', ' 9. ls_in_acl (northd.c:1): ip4, priority 1', '    next;', 'egress(dp="sw1", inport="p1", outport="p2")', ' 4. ls_out_acl (northd.c:2): ip4 && outport == @pg_drop, priority 1001', '    drop;'].join('\n');
    assert.equal(dropStage(trace), 'ls_out_acl of sw1');
    assert.equal(delivered(trace, ['p2']), false);
    assert.equal(delivered('    output;\n    /* output to "p2", type "" */', ['p2']), true);
  });
});

describe('explain verify: the CLI', () => {
  it("prints each host's checks, the drift with what the dataplane has", () => {
    const { w, client, server } = world();
    const s = w.snapshot(client, server);
    const answer = explain(s, { protocol: 'tcp', port: 443 });
    const text = formatAnswer({
      ...answer,
      source: { port_id: client.id, ip_address: '10.0.0.5' },
      destination: { port_id: server.id, ip_address: '10.0.1.5' },
      protocol: 'tcp',
      port: 443,
      verified: true,
      verification: {
        backend: 'linux',
        agreement: false,
        hosts: [{ host: 'h2', state: 'answered', checks: [{ id: 'f10', kind: 'security_group_rule', host: 'h2', status: 'drift', intent: 'ingress rule R is realized', dataplane: 'chain X has 0 rule(s)' }] }],
        drift: [],
      },
    });
    assert.match(text, /verified by backend linux: DRIFT on 0 check\(s\)/);
    assert.match(text, /host h2 \(answered\)\n    ✗ f10  security_group_rule  ingress rule R is realized\n {31}dataplane: chain X has 0 rule\(s\)/);
  });
});
