// Units of the agent's security group firewall: the desired nftables state computed from
// ports, groups, rules and address groups, and the plan that converges a host to it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FirewallView, desiredFirewall, ruleText, remoteGroupSet } from '../../src/agent/firewall/ruleset.ts';
import { Tx, emptyState, planAll, planBase, planGc, planGroup, planPort, planSet, baseChainsIntact } from '../../src/agent/firewall/plan.ts';
import { parseState, parseChain } from '../../src/agent/firewall/nft.ts';
import { setElements, linkLocal } from '../../src/agent/firewall/addresses.ts';
import type { FirewallInput, FirewallPort, FirewallRule, DesiredFirewall, HostState } from '../../src/agent/firewall/model.ts';

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
  return { id, security_group_id: SG, direction: 'ingress', ethertype: 'IPv4', protocol: null, port_range_min: null, port_range_max: null, remote_ip_prefix: null, remote_group_id: null, remote_address_group_id: null, ...extra };
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

/** The host after a first build of `inp` (the state the transaction leaves). */
function built(inp: FirewallInput): { state: HostState; tx: Tx } {
  const tx = new Tx(emptyState(), new FirewallView(inp));
  planBase(tx);
  planAll(tx);
  return { state: tx.state, tx };
}
const tx = (state: HostState, inp: FirewallInput) => new Tx(state, new FirewallView(inp));

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
  assert.deepEqual([...d.ports.values()].map((p) => p.tap), [tap], 'only local ports are filtered here');
  const p = d.ports.get(local.id)!;
  const spoof = p.chains.get(`spoof-${local.id}`)!;
  assert.equal(p.maps.get('spoof-ports')!.verdict, `jump spoof-${local.id}`);
  assert.ok(spoof.includes('ether saddr fa:16:3e:00:00:01 ether type ip ip saddr { 10.0.0.1 } return'));
  assert.ok(spoof.includes('ether saddr fa:16:3e:99:99:99 ether type ip ip saddr { 10.9.0.0/24 } return'), 'an allowed address pair with its own MAC');
  assert.ok(spoof.includes('ether type ip meta l4proto udp udp sport 67 udp dport 68 drop'), 'DHCP server replies from a workload are dropped');
  assert.equal(spoof.at(-1), 'drop');
  assert.ok(!spoof.some((r) => r.includes('track-macs')), 'a stateful port is tracked');
  const ingress = p.chains.get(`in-${local.id}`)!;
  assert.equal(ingress[0], 'meta mark & 0x02000000 != 0 drop', 'invalid connections dropped');
  assert.equal(ingress[1], 'meta mark & 0x01000000 != 0 accept', 'replies and related traffic pass');
  assert.ok(ingress.includes(`jump sg-${SG}-in-rules`));
  assert.equal(ingress.at(-1), 'drop', 'ingress denied unless a rule allows');
  assert.deepEqual([...p.track], [['track-macs', 'fa:16:3e:00:00:01'], ['track-taps', tap]]);
  assert.deepEqual([...d.sets.get(remoteGroupSet(SG, 4))!.elements].sort(), ['10.0.0.1', '10.0.0.2', '10.9.0.0/24'], 'members on every host, with their address pairs');
  assert.deepEqual([...d.bridges], [`brq${NET.slice(0, 11)}`]);
  const { state } = built(input([local, remote]));
  assert.deepEqual([...state.zones], [[`brq${NET.slice(0, 11)}`, 1]]);
});

test('stateless groups skip conntrack; port security off and network ports are not filtered', () => {
  const stateless = desiredFirewall(input([port(1)], DEFAULT_RULES, { groups: new Map([[SG, { id: SG, stateful: false }]]) }));
  const p = [...stateless.ports.values()][0];
  assert.ok(![...p.chains.get(`in-${p.id}`)!, ...p.chains.get(`out-${p.id}`)!].some((r) => r.includes('meta mark')), 'no connection state consulted');
  assert.equal(p.chains.get(`spoof-${p.id}`)![0], 'ether daddr != @track-macs meta mark set meta mark | 0x04000000', 'its packets skip conntrack unless they go to a stateful port here');
  assert.deepEqual([...p.track], [['notrack-macs', 'fa:16:3e:00:00:01']], 'packets to it skip conntrack');
  const open = desiredFirewall(input([port(1, { port_security_enabled: false, security_groups: [] }), port(2, { device_owner: 'network:dhcp', security_groups: [] })]));
  assert.equal(open.chains.size, 0);
  for (const q of open.ports.values()) {
    assert.equal(q.maps.has('spoof-ports'), false);
    assert.equal(q.maps.get('egress-ports')!.verdict, 'accept');
    assert.equal(q.maps.get('ingress-ports')!.verdict, 'accept');
  }
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

test('plan: an applied state needs nothing; a new member is one set element; a rule change rewrites the group chain only; a port change its own chain', () => {
  const ports = [port(1), port(2, { 'binding:host_id': 'hv2' })];
  const first = built(input(ports));
  assert.deepEqual(first.tx.summary.recreated, ['bridge', 'inet']);
  const { state } = first;
  for (const key of [port(1).id, port(2).id]) {
    const again = tx(state, input(ports));
    planPort(again, key);
    assert.equal(again.script, '', 'converged: no write');
  }
  const gc = tx(state, input(ports));
  planGc(gc);
  assert.equal(gc.script, '', 'nothing stale');

  const joined = input([...ports, port(3, { 'binding:host_id': 'hv3' })]);
  const member = tx(state, joined);
  planSet(member, remoteGroupSet(SG, 4));
  assert.equal(member.script, `add element bridge neutrino-sg ${remoteGroupSet(SG, 4)} { 10.0.0.3 }\n`);
  const left = tx(state, input(ports));
  planSet(left, remoteGroupSet(SG, 4));
  assert.equal(left.script, `delete element bridge neutrino-sg ${remoteGroupSet(SG, 4)} { 10.0.0.3 }\n`);

  const opened = input(ports, [...DEFAULT_RULES, rule('r5', { protocol: 'tcp', port_range_min: 80, port_range_max: 80 })]);
  const groupTx = tx(state, opened);
  const known = new Map([...new FirewallView(input(ports)).group(SG).chains].map(([n, rules]) => [n, rules.map((r) => /comment "(.*)"$/.exec(r)![1])]));
  planGroup(groupTx, SG, known);
  const lines = groupTx.script.trim().split('\n');
  assert.equal(lines[0], `flush chain bridge neutrino-sg sg-${SG}-in-rules`);
  assert.equal(lines.length, 1 + 3, 'the group ingress chain refilled: two member rules and the new one');
  assert.match(lines[3], /tcp dport 80 accept comment "[0-9a-f]{10}"$/);
  const handDeleted = new Map(known).set(`sg-${SG}-out-rules`, known.get(`sg-${SG}-out-rules`)!.slice(1));
  const repair = tx(state, input(ports));
  planGroup(repair, SG, handDeleted);
  assert.equal(repair.script.split('\n').filter((l) => l.startsWith('flush chain')).length, 1, 'a rule missing from a group chain: that chain is refilled');

  const moved = input([port(1, { allowed_address_pairs: [{ ip_address: '10.0.9.9' }] }), ports[1]]);
  const portTx = tx(state, moved);
  planPort(portTx, port(1).id);
  const portLines = portTx.script.trim().split('\n');
  assert.equal(portLines[0], `flush chain bridge neutrino-sg spoof-${port(1).id}`);
  assert.ok(portLines.some((l) => l.startsWith(`add element bridge neutrino-sg spoof-ports { "tap${port(1).id.slice(0, 11)}" comment`)), 'the fingerprint in the map element follows');
  assert.ok(!portLines.some((l) => l.includes(`out-${port(1).id}`) || l.includes(`in-${port(1).id}`)), 'its other chains untouched');
});

test('plan: drift is repaired (a chain or element deleted by hand, a stale chain, a damaged base); a port gone is removed', () => {
  const ports = [port(1)];
  const { state } = built(input(ports));
  state.chains.delete(`in-${port(1).id}`);
  state.sets.get(remoteGroupSet(SG, 4))!.clear();
  state.chains.set('out-gone', 7);
  const fix = tx(state, input(ports));
  planPort(fix, port(1).id);
  assert.match(fix.script, new RegExp(`^add chain bridge neutrino-sg in-${port(1).id}$`, 'm'));
  planSet(fix, remoteGroupSet(SG, 4));
  assert.match(fix.script, /add element bridge neutrino-sg rg-\S+ \{ 10.0.0.1 \}/);
  planGc(fix);
  assert.match(fix.script, /flush chain bridge neutrino-sg out-gone\ndelete chain bridge neutrino-sg out-gone/);

  const gone = tx(state, input([]));
  planPort(gone, port(1).id);
  assert.match(gone.script, /delete element bridge neutrino-sg egress-ports/);
  assert.match(gone.script, new RegExp(`delete chain bridge neutrino-sg spoof-${port(1).id}`));
  assert.equal(baseChainsIntact(new Map([['zone', 2], ['state', 3]]), 'inet'), true);
  assert.equal(baseChainsIntact(new Map([['zone', 2], ['state', 0]]), 'inet'), false);
});

test('read-back: chains without rules, sets and maps with their elements and fingerprints; one chain\'s rule comments', () => {
  const j = (items: unknown[]) => JSON.stringify({ nftables: [{ metainfo: {} }, ...items] });
  const t = 'neutrino-sg';
  const base = ['spoof', 'egress', 'ingress'].map((name) => ({ chain: { table: t, name, hook: 'prerouting', handle: 1 } }));
  const state = parseState(t, {
    bridgeChains: j([...base, { chain: { table: t, name: 'out-a', handle: 9 } }, { chain: { table: 'other', name: 'x' } }]),
    inetChains: j([{ chain: { table: t, name: 'zone', hook: 'prerouting' } }, { chain: { table: t, name: 'state', hook: 'prerouting' } }]),
    sets: j([{ set: { table: t, name: 's', elem: ['10.0.0.1', { prefix: { addr: '10.1.0.0', len: 16 } }, { range: ['10.2.0.1', '10.2.0.9'] }] } }, ...['notrack-macs', 'track-macs', 'track-taps'].map((name) => ({ set: { table: t, name } }))]),
    bridgeMaps: j(['spoof-ports', 'ingress-ports'].map((name) => ({ map: { table: t, name, elem: [] } })).concat([{ map: { table: t, name: 'egress-ports', elem: [[{ elem: { val: 'tapa', comment: 'fp1' } }, { jump: { target: 'out-a' } }], ['tapb', { accept: null }]] } } as any])),
    inetMaps: j([{ map: { table: t, name: 'zones', elem: [['brqx', 3]] } }]),
  });
  assert.deepEqual(state.base, { bridge: true, inet: true });
  assert.deepEqual([...state.chains], [['out-a', 9]]);
  assert.deepEqual([...state.sets.get('s')!], ['10.0.0.1', '10.1.0.0/16', '10.2.0.1-10.2.0.9']);
  assert.deepEqual([...state.maps.get('egress-ports')!], [['tapa', { verdict: 'jump out-a', comment: 'fp1' }], ['tapb', { verdict: 'accept', comment: '' }]]);
  assert.deepEqual([...state.zones], [['brqx', 3]]);
  assert.equal(parseState(t, { bridgeChains: j([]), inetChains: j([]), sets: j([]), bridgeMaps: j([]), inetMaps: j([]) }).base.bridge, false);
  assert.deepEqual(parseChain(j([{ chain: { name: 'c', handle: 4 } }, { rule: { comment: 'a' } }, { rule: {} }])), { handle: 4, comments: ['a', ''] });
});

test('set keys: only the sets named by the rules of groups with a port filtered here', () => {
  const OTHER = '5ec00000-0000-4000-8000-000000000002';
  const inp = input([port(1), port(2, { 'binding:host_id': 'hv2', security_groups: [OTHER] })], [...DEFAULT_RULES, rule('x', { security_group_id: OTHER, remote_group_id: OTHER })], { groups: new Map([[SG, { id: SG }], [OTHER, { id: OTHER }]]) });
  const view = new FirewallView(inp);
  assert.deepEqual([...view.localGroups()], [SG]);
  assert.deepEqual([...view.neededSets()].sort(), [remoteGroupSet(SG, 4), remoteGroupSet(SG, 6)], 'a group used only on another host needs no set here');
});

test('conntrack sets: a port leaving keeps a MAC another local port (on another network) still needs', () => {
  const twin = port(2, { network_id: 'ae700000-0000-4000-8000-000000000002', mac_address: port(1).mac_address });
  const { state } = built(input([port(1), twin]));
  assert.deepEqual([...state.sets.get('track-macs')!], ['fa:16:3e:00:00:01']);
  const gone = tx(state, input([twin]));
  planPort(gone, port(1).id);
  assert.ok(!gone.script.includes('delete element bridge neutrino-sg track-macs'), 'the twin still needs it');
  assert.match(gone.script, /delete element bridge neutrino-sg track-taps/, 'its tap goes');
  const last = tx(state, input([]));
  planPort(last, twin.id);
  assert.ok(!last.script.includes('track-macs'), 'a port gone from the cache: its MAC is unknown here');
  planGc(last);
  assert.match(last.script, /delete element bridge neutrino-sg track-macs \{ fa:16:3e:00:00:01 \}/, 'garbage collection removes it');
});
