// Units of the agent's security group firewall: the desired nftables state computed from
// ports, groups, rules and address groups, and the plan that converges a host to it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { desiredFirewall, ruleText, remoteGroupSet } from '../../src/agent/firewall/ruleset.ts';
import { planFirewall, stateAfter } from '../../src/agent/firewall/plan.ts';
import { parseTable, type ActualTable } from '../../src/agent/firewall/nft.ts';
import { setElements, linkLocal } from '../../src/agent/firewall/addresses.ts';
import type { FirewallInput, FirewallPort, FirewallRule, DesiredFirewall } from '../../src/agent/firewall/model.ts';

const HOST = 'hv1';
const SG = '5ec00000-0000-4000-8000-000000000001';
const NET = 'ae700000-0000-4000-8000-000000000001';
const uuid = (n: number) => `0000${n.toString(16).padStart(4, '0')}-0000-4000-8000-000000000000`;

function port(n: number, extra: Partial<FirewallPort> = {}): FirewallPort {
  return {
    id: uuid(n),
    network_id: NET,
    mac_address: `fa:16:3e:00:${(n >> 8).toString(16).padStart(2, '0')}:${(n & 0xff).toString(16).padStart(2, '0')}`,
    fixed_ips: [{ ip_address: `10.0.${n >> 8}.${n & 0xff}` }],
    security_groups: [SG],
    'binding:host_id': HOST,
    'binding:vif_type': 'tap',
    ...extra,
  };
}

function rule(id: string, extra: Partial<FirewallRule>): FirewallRule {
  return { id, security_group_id: SG, direction: 'ingress', ethertype: 'IPv4', protocol: null, port_range_min: null, port_range_max: null, remote_ip_prefix: null, remote_group_id: null, ...extra };
}

/** Neutron's default group: ingress from members, egress anywhere. */
const DEFAULT_RULES = [
  rule('r1', { remote_group_id: SG }),
  rule('r2', { ethertype: 'IPv6', remote_group_id: SG }),
  rule('r3', { direction: 'egress' }),
  rule('r4', { direction: 'egress', ethertype: 'IPv6' }),
];

function input(ports: FirewallPort[], rules: FirewallRule[] = DEFAULT_RULES, extra: Partial<FirewallInput> = {}): FirewallInput {
  return { host: HOST, ports, groups: new Map([[SG, { id: SG }]]), rules, addressGroups: new Map(), ...extra };
}

const applied = stateAfter;

const ruleCount = (d: DesiredFirewall) => [...d.chains.values()].reduce((n, r) => n + r.length, 0);
const elementCount = (d: DesiredFirewall) => [...d.sets.values()].reduce((n, s) => n + s.elements.size, 0);

test('rules: protocols, port ranges, ICMP type/code, prefixes, remote groups and address groups', () => {
  const sets: string[] = [];
  const use = (name: string) => void sets.push(name);
  assert.equal(ruleText(rule('a', { protocol: 'tcp', port_range_min: 22, port_range_max: 22 }), use), 'ether type ip meta l4proto 6 tcp dport 22 accept');
  assert.equal(ruleText(rule('b', { protocol: 'udp', port_range_min: 1000, port_range_max: 2000, remote_ip_prefix: '198.51.100.7/24' }), use), 'ether type ip ip saddr 198.51.100.0/24 meta l4proto 17 udp dport 1000-2000 accept');
  assert.equal(ruleText(rule('c', { protocol: 'icmp', port_range_min: 8, port_range_max: 0 }), use), 'ether type ip meta l4proto 1 icmp type 8 icmp code 0 accept');
  assert.equal(ruleText(rule('d', { protocol: 'icmp', port_range_min: 8 }), use), 'ether type ip meta l4proto 1 icmp type 8 accept');
  assert.equal(ruleText(rule('e', { ethertype: 'IPv6', protocol: 'icmp' }), use), 'ether type ip6 meta l4proto 58 accept', 'icmp in an IPv6 rule is ICMPv6');
  assert.equal(ruleText(rule('f', { direction: 'egress', remote_group_id: SG, protocol: '132', port_range_min: 9 }), use), `ether type ip ip daddr @${remoteGroupSet(SG, 4)} meta l4proto 132 sctp dport 9 accept`);
  assert.equal(ruleText(rule('g', { remote_address_group_id: 'ag', ethertype: 'IPv6' }), use), 'ether type ip6 ip6 saddr @ag-ag-6 accept');
  assert.equal(ruleText(rule('h', { remote_ip_prefix: '0.0.0.0/0', protocol: 'gre' }), use), 'ether type ip meta l4proto 47 accept', '0.0.0.0/0 is no restriction');
  assert.equal(ruleText(rule('i', { remote_ip_prefix: '2001:db8::/64' }), use), null, 'a prefix of the other family matches nothing');
  assert.deepEqual(sets, [remoteGroupSet(SG, 4), 'ag-ag-6']);
});

test('set elements are canonical and never overlap; link-local address from the MAC', () => {
  assert.deepEqual([...setElements(['10.0.0.5', '10.0.0.0/24', '10.0.1.7/24', '10.0.2.1', '2001:db8::1'], 4)].sort(), ['10.0.0.0/24', '10.0.1.0/24', '10.0.2.1']);
  assert.deepEqual([...setElements(['2001:db8::1/128', '2001:db8:0:0::1', '10.0.0.1'], 6)], ['2001:db8::1']);
  assert.equal(linkLocal('fa:16:3e:12:34:56'), 'fe80::f816:3eff:fe12:3456');
});

test('a port: anti-spoofing, default ingress deny, stateful chains, one set element per member', () => {
  const local = port(1, { allowed_address_pairs: [{ ip_address: '10.9.0.0/24', mac_address: 'fa:16:3e:99:99:99' }] });
  const remote = port(2, { 'binding:host_id': 'hv2' });
  const d = desiredFirewall(input([local, remote]));
  const tap = `tap${local.id.slice(0, 11)}`;
  assert.deepEqual([...d.filteredPorts], [local.id]);
  assert.deepEqual([...d.spoof.keys()], [tap], 'only local ports are filtered here');
  const spoof = d.chains.get(d.spoof.get(tap)!.replace('jump ', ''))!;
  assert.ok(spoof.includes('ether saddr fa:16:3e:00:00:01 ether type ip ip saddr { 10.0.0.1 } return'));
  assert.ok(spoof.includes('ether saddr fa:16:3e:99:99:99 ether type ip ip saddr { 10.9.0.0/24 } return'), 'an allowed address pair with its own MAC');
  assert.ok(spoof.includes('ether type ip meta l4proto udp udp sport 67 udp dport 68 drop'), 'DHCP server replies from a workload are dropped');
  assert.equal(spoof.at(-1), 'drop');
  const ingress = d.chains.get(d.ingress.get(tap)!.replace('jump ', ''))!;
  assert.equal(ingress[0], 'meta mark & 0x02000000 != 0 drop', 'invalid connections dropped');
  assert.equal(ingress[1], 'meta mark & 0x01000000 != 0 accept', 'replies and related traffic pass');
  assert.equal(ingress.at(-1), 'drop', 'ingress denied unless a rule allows');
  assert.deepEqual([...d.sets.get(remoteGroupSet(SG, 4))!.elements].sort(), ['10.0.0.1', '10.0.0.2', '10.9.0.0/24'], 'members on every host, with their address pairs');
  assert.deepEqual([...d.zones], [[`brq${NET.slice(0, 11)}`, 1]]);
});

test('stateless groups are enforced without conntrack; port security off and network ports are not filtered', () => {
  const stateless = desiredFirewall(input([port(1)], DEFAULT_RULES, { groups: new Map([[SG, { id: SG, stateful: false }]]) }));
  const chain = stateless.chains.get(stateless.ingress.values().next().value!.replace('jump ', ''))!;
  assert.ok(!chain.some((r) => r.includes('meta mark')), 'no connection state consulted');
  const open = desiredFirewall(input([port(1, { port_security_enabled: false, security_groups: [] }), port(2, { device_owner: 'network:dhcp', security_groups: [] })]));
  assert.equal(open.chains.size, 0);
  assert.equal(open.spoof.size, 0);
  assert.deepEqual([...open.egress.values()], ['accept', 'accept']);
  assert.deepEqual([...open.ingress.values()], ['accept', 'accept']);
});

test('rule and set element counts grow linearly with member ports, never members × ports', () => {
  const counts: { n: number; rules: number; elements: number }[] = [];
  for (const n of [10, 100, 500]) {
    const ports = Array.from({ length: n }, (_, i) => port(i + 1, { 'binding:host_id': i % 2 === 0 ? HOST : 'hv2' }));
    const d = desiredFirewall(input(ports));
    counts.push({ n, rules: ruleCount(d), elements: elementCount(d) });
  }
  for (const c of counts) assert.equal(c.elements, c.n, 'one element per member address');
  const perPort = (counts[2].rules - counts[0].rules) / ((500 - 10) / 2);
  assert.equal((counts[1].rules - counts[0].rules) / ((100 - 10) / 2), perPort, 'the same rules per local port at every size');
  assert.ok(perPort < 30, `rules per local port: ${perPort}`);
});

test('plan: an applied state needs nothing; a new member elsewhere is one set element; a rule change swaps chains', () => {
  const ports = [port(1), port(2, { 'binding:host_id': 'hv2' })];
  const first = desiredFirewall(input(ports));
  const fresh = planFirewall(first, null, null);
  assert.deepEqual(fresh.summary.recreated, ['bridge', 'inet']);
  const host = applied(first);
  assert.equal(planFirewall(first, host.bridge, host.inet).script, '', 'converged: no write');

  const joined = desiredFirewall({ ...input([...ports, port(3, { 'binding:host_id': 'hv3' })]), zones: new Map([[`brq${NET.slice(0, 11)}`, 1]]) });
  const plan = planFirewall(joined, host.bridge, host.inet);
  assert.equal(plan.script, `add element bridge neutrino-sg ${remoteGroupSet(SG, 4)} { 10.0.0.3 }\n`);

  const opened = desiredFirewall(input(ports, [...DEFAULT_RULES, rule('r5', { protocol: 'tcp', port_range_min: 80, port_range_max: 80 })]));
  const swap = planFirewall(opened, host.bridge, host.inet);
  assert.equal(swap.summary.chainsAdded, 2, 'the group ingress chain and the port ingress chain');
  assert.equal(swap.summary.chainsDeleted, 2);
  const lines = swap.script.trim().split('\n');
  const mapLine = lines.findIndex((l) => l.startsWith('add element bridge neutrino-sg ingress-ports'));
  const deleteLine = lines.findIndex((l) => l.startsWith('delete chain'));
  assert.ok(mapLine > 0 && deleteLine > mapLine, 'the map points at the new chain before the old one goes');
});

test('plan: drift is repaired (a rule deleted by hand, a base chain damaged, a stale chain)', () => {
  const d = desiredFirewall(input([port(1)]));
  const host = applied(d);
  const [someChain, rules] = [...d.chains].find(([, r]) => r.length > 0)!;
  host.bridge.chains.set(someChain, rules.length - 1);
  host.bridge.chains.set('out-gone-0000000000', 3);
  const plan = planFirewall(d, host.bridge, host.inet);
  assert.match(plan.script, new RegExp(`flush chain bridge neutrino-sg ${someChain}\n`));
  assert.match(plan.script, /delete chain bridge neutrino-sg out-gone-0000000000/);
  host.inet.chains.set('state', 0);
  assert.deepEqual(planFirewall(d, host.bridge, host.inet).summary.recreated, ['inet']);
});

test('read-back: nft -j output reduced to chains with rule counts, set elements and map values', () => {
  const json = JSON.stringify({
    nftables: [
      { metainfo: {} },
      { table: { family: 'bridge', name: 'neutrino-sg' } },
      { set: { name: 's', type: 'ipv4_addr', elem: ['10.0.0.1', { prefix: { addr: '10.1.0.0', len: 16 } }, { range: ['10.2.0.1', '10.2.0.9'] }] } },
      { map: { name: 'egress-ports', type: 'ifname', map: 'verdict', elem: [['tapa', { jump: { target: 'out-a' } }], ['tapb', { accept: null }]] } },
      { chain: { name: 'out-a' } },
      { rule: { chain: 'out-a', expr: [] } },
      { rule: { chain: 'out-a', expr: [] } },
      { chain: { name: 'empty' } },
    ],
  });
  const t = parseTable(json);
  assert.deepEqual([...t.sets.get('s')!], ['10.0.0.1', '10.1.0.0/16', '10.2.0.1-10.2.0.9']);
  assert.deepEqual([...t.maps.get('egress-ports')!], [['tapa', 'jump out-a'], ['tapb', 'accept']]);
  assert.deepEqual([...t.chains], [['out-a', 2], ['empty', 0]]);
});
