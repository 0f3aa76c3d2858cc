// Units of the agent's L3 part: the router plan computed from the cache, and the NAT table
// rendered from it (what nft is told and how a listed table is compared).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { planRouter } from '../../src/agent/l3/plan.ts';
import { changedMappings, natRules, natTable, NAT_TABLE } from '../../src/agent/l3/nat.ts';
import { ruleTag, tableMatches, tableScript } from '../../src/agent/l3/nft-table.ts';
import { scopeTable } from '../../src/agent/l3/scope.ts';

const net = (id: string, extra = {}) => [id, { id, mtu: 1450, ipv4_address_scope: null as string | null, ...extra }] as const;
const subnet = (id: string, network_id: string, cidr: string, extra = {}) => [id, { id, network_id, cidr, ip_version: cidr.includes(':') ? 6 : 4, gateway_ip: null, ...extra }] as const;
const port = (id: string, network_id: string, device_owner: string, fixed: [string, string][], device_id = 'r1') =>
  [id, { id, network_id, device_owner, device_id, mac_address: `fa:16:3e:00:00:${id.slice(-2)}`, fixed_ips: fixed.map(([subnet_id, ip_address]) => ({ subnet_id, ip_address })), 'binding:host_id': 'h1' }] as const;

function cache(routerExtra = {}, fips: Record<string, any>[] = []) {
  const router = { id: 'r1', revision_number: 3, admin_state_up: true, routes: [{ destination: '192.168.0.0/16', nexthop: '10.1.0.254' }], external_gateway_info: { network_id: 'ext', enable_snat: true }, ...routerExtra };
  return {
    router,
    cache: {
      routers: new Map([['r1', router]]),
      floatingips: new Map(fips.map((f) => [f.id, f])),
      networks: new Map([net('ext'), net('na'), net('nb', { ipv4_address_scope: 'scope1' })]),
      subnets: new Map([subnet('se', 'ext', '203.0.113.0/24', { gateway_ip: '203.0.113.1' }), subnet('sa', 'na', '10.1.0.0/24'), subnet('sb', 'nb', '10.2.0.0/24'), subnet('s6', 'na', '2001:db8::/64', { ipv6_ra_mode: 'slaac' })]),
      ports: new Map([
        port('pa000000001', 'na', 'network:router_interface', [['sa', '10.1.0.1']]),
        port('p6000000002', 'na', 'network:router_interface', [['s6', '2001:db8::1']]),
        port('pb000000003', 'nb', 'network:router_interface', [['sb', '10.2.0.1']]),
        port('pg000000004', 'ext', 'network:router_gateway', [['se', '203.0.113.10']]),
        port('px000000005', 'na', 'compute:nova', [['sa', '10.1.0.5']], 'vm'),
      ]),
    },
  };
}

test('router plan: interfaces, gateway, routes, SNAT sources, RA interfaces', () => {
  const { router, cache: c } = cache();
  const plan = planRouter(router, c);
  assert.deepEqual(plan.interfaces.map((i) => [i.device, i.tap, i.addresses, i.mtu]), [
    ['qr-p6000000002', 'tapp6000000002', ['2001:db8::1/64'], 1450],
    ['qr-pa000000001', 'tappa000000001', ['10.1.0.1/24'], 1450],
    ['qr-pb000000003', 'tappb000000003', ['10.2.0.1/24'], 1450],
  ]);
  assert.equal(plan.gateway?.device, 'qg-pg000000004');
  assert.equal(plan.gateway?.snatAddress, '203.0.113.10');
  assert.deepEqual(plan.routes, [
    { destination: '0.0.0.0/0', nexthop: '203.0.113.1' },
    { destination: '192.168.0.0/16', nexthop: '10.1.0.254' },
  ]);
  assert.deepEqual(plan.snatSources, ['10.1.0.0/24', '10.2.0.0/24'], 'IPv4 internal subnets only');
  assert.deepEqual(plan.advertise, [{ device: 'qr-p6000000002', prefixes: [{ cidr: '2001:db8::/64', mode: 'slaac' }], mtu: 1450 }]);
  assert.deepEqual(plan.problems, []);
});

test('router plan: no SNAT for an internal network in the external network\'s address scope, nor with enable_snat false', () => {
  const { router, cache: c } = cache();
  c.networks.set('ext', { id: 'ext', mtu: 1450, ipv4_address_scope: 'scope1' });
  assert.deepEqual(planRouter(router, c).snatSources, ['10.1.0.0/24']);
  const off = cache({ external_gateway_info: { network_id: 'ext', enable_snat: false } });
  assert.deepEqual(planRouter(off.router, off.cache).snatSources, []);
  assert.deepEqual(natRules(planRouter(off.router, off.cache)).postrouting, []);
});

test('NAT rules: floating IPs 1:1, port forwardings (ranges port by port), hairpin, SNAT last; unassociated floating IPs ignored', () => {
  const fips = [
    { id: 'f1', router_id: 'r1', revision_number: 2, floating_ip_address: '203.0.113.20', fixed_ip_address: '10.1.0.5', port_forwardings: [] },
    { id: 'f2', router_id: 'r1', revision_number: 1, floating_ip_address: '203.0.113.21', fixed_ip_address: null, port_forwardings: [{ protocol: 'tcp', internal_ip_address: '10.1.0.6', internal_port: 22, external_port: 2222 }, { protocol: 'udp', internal_ip_address: '10.1.0.6', internal_port_range: '5000:5010', external_port_range: '6000:6010' }] },
    { id: 'f3', router_id: null, revision_number: 1, floating_ip_address: '203.0.113.22', fixed_ip_address: null },
    { id: 'f4', router_id: 'other', revision_number: 1, floating_ip_address: '203.0.113.23', fixed_ip_address: '10.9.0.5' },
  ];
  const { router, cache: c } = cache({}, fips);
  const plan = planRouter(router, c);
  assert.deepEqual(plan.floatingIps.map((f) => f.id), ['f1', 'f2']);
  const rules = natRules(plan);
  assert.deepEqual(rules.prerouting, [
    'ip daddr 203.0.113.20 dnat to 10.1.0.5',
    'ip daddr 203.0.113.21 meta l4proto tcp th dport 2222 dnat to 10.1.0.6:22',
    `ip daddr 203.0.113.21 meta l4proto udp th dport 6000-6010 dnat to 10.1.0.6 : th dport map { ${Array.from({ length: 11 }, (_, i) => `${6000 + i} : ${5000 + i}`).join(', ')} }`,
  ]);
  assert.deepEqual(rules.postrouting, [
    'oifname "qg-pg000000004" ip saddr 10.1.0.5 snat to 203.0.113.20',
    'oifname != "qg-pg000000004" ct status dnat ip saddr 10.1.0.5 snat to 203.0.113.20',
    'oifname != "qg-pg000000004" ct status dnat ip saddr { 10.1.0.0/24, 10.2.0.0/24 } snat to 203.0.113.10',
    'oifname "qg-pg000000004" ip saddr { 10.1.0.0/24, 10.2.0.0/24 } snat to 203.0.113.10',
  ]);
  assert.deepEqual([...rules.byAddress.keys()], ['203.0.113.20', '203.0.113.21']);
  const script = tableScript(natTable(rules));
  assert.match(script, new RegExp(`^table ip ${NAT_TABLE}\ndelete table ip ${NAT_TABLE}\ntable ip ${NAT_TABLE} \\{`));
  assert.ok(script.includes(`    ${rules.prerouting[0]} comment "${ruleTag(rules.prerouting[0])}"\n`));
  // A range onto one internal port (1-N) keeps that port.
  const oneToN = cache({}, [{ id: 'f5', router_id: 'r1', revision_number: 1, floating_ip_address: '203.0.113.24', fixed_ip_address: null, port_forwardings: [{ protocol: 'tcp', internal_ip_address: '10.1.0.7', internal_port_range: '80:80', external_port_range: '8000:8010' }] }]);
  assert.deepEqual(natRules(planRouter(oneToN.router, oneToN.cache)).prerouting, ['ip daddr 203.0.113.24 meta l4proto tcp th dport 8000-8010 dnat to 10.1.0.7:80']);
  // A range onto the same ports needs no map (1:65535 would be 65,535 elements).
  const same = cache({}, [{ id: 'f6', router_id: 'r1', revision_number: 1, floating_ip_address: '203.0.113.25', fixed_ip_address: null, port_forwardings: [{ protocol: 'udp', internal_ip_address: '10.1.0.8', internal_port_range: '1:65535', external_port_range: '1:65535' }] }]);
  assert.deepEqual(natRules(planRouter(same.router, same.cache)).prerouting, ['ip daddr 203.0.113.25 meta l4proto udp th dport 1-65535 dnat to 10.1.0.8']);
  // A router without gateway (or admin down) translates nothing.
  const down = cache({ admin_state_up: false }, fips);
  const none = natRules(planRouter(down.router, down.cache));
  assert.deepEqual([none.prerouting, none.postrouting, none.byAddress.size], [[], [], 0]);
});

test('conntrack flush: the floating IPs whose mapping lost a rule, never the gateway address', () => {
  const fips = [
    { id: 'f1', router_id: 'r1', revision_number: 2, floating_ip_address: '203.0.113.20', fixed_ip_address: '10.1.0.5', port_forwardings: [] },
    { id: 'f2', router_id: 'r1', revision_number: 2, floating_ip_address: '203.0.113.21', fixed_ip_address: '10.1.0.6', port_forwardings: [] },
  ];
  const before = natRules(planRouter(cache({}, fips).router, cache({}, fips).cache));
  // The listing nft prints: the FIP's address in the daddr match (prerouting) or the snat target (postrouting).
  const listing = (rules: typeof before) =>
    JSON.stringify({
      nftables: [
        ...rules.prerouting.map((r) => ({ rule: { chain: 'prerouting', comment: ruleTag(r), expr: [{ match: { op: '==', left: { payload: { protocol: 'ip', field: 'daddr' } }, right: /daddr (\S+)/.exec(r)![1] } }] } })),
        ...rules.postrouting.map((r) => ({ rule: { chain: 'postrouting', comment: ruleTag(r), expr: [{ snat: { addr: /snat to (\S+)/.exec(r)![1] } }] } })),
      ],
    });
  const moved = [{ ...fips[0], fixed_ip_address: '10.1.0.9' }, fips[1]];
  const after = natRules(planRouter(cache({}, moved).router, cache({}, moved).cache));
  assert.deepEqual(changedMappings(listing(before), after, '203.0.113.10'), [{ address: '203.0.113.20', lost: true }], 'f1 moved, f2 unchanged, the gateway SNAT changed too but is not flushed');
  const disassociated = natRules(planRouter(cache({}, [fips[1]]).router, cache({}, [fips[1]]).cache));
  assert.deepEqual(changedMappings(listing(before), disassociated, '203.0.113.10'), [{ address: '203.0.113.20', lost: true }]);
  assert.deepEqual(changedMappings(listing(disassociated), before, '203.0.113.10'), [{ address: '203.0.113.20', lost: false }], 'a new mapping: entries left unNATed meanwhile go');
  assert.deepEqual(changedMappings(listing(before), before, '203.0.113.10'), []);
  assert.deepEqual(changedMappings(null, before, '203.0.113.10'), [], 'a new table: nothing to flush');
});

test('address scopes: no table without scopes; marks per interface and family, cross-scope forwarding dropped', () => {
  const { router, cache: c } = cache();
  c.networks.set('nb', { id: 'nb', mtu: 1450, ipv4_address_scope: null });
  assert.equal(scopeTable(planRouter(router, c)), null, 'no scoped network: everything routed, no table');
  c.networks.set('nb', { id: 'nb', mtu: 1450, ipv4_address_scope: 'scope1' });
  const table = scopeTable(planRouter(router, c))!;
  assert.equal(table.family, 'inet');
  const [prerouting, forward] = table.chains;
  assert.deepEqual(prerouting.rules, [
    'meta nfproto ipv4 meta mark set iifname map { "qr-p6000000002" : 0x00000001, "qr-pa000000001" : 0x00000001, "qr-pb000000003" : 0x00000002, "qg-pg000000004" : 0x00000001 }',
    'meta nfproto ipv6 meta mark set iifname map { "qr-p6000000002" : 0x00000001, "qr-pa000000001" : 0x00000001, "qr-pb000000003" : 0x00000001, "qg-pg000000004" : 0x00000001 }',
  ]);
  assert.deepEqual(forward.rules.slice(0, 3), ['ct state established,related accept', 'ct status dnat accept', 'oifname "qg-pg000000004" ip saddr { 10.1.0.0/24, 10.2.0.0/24 } accept']);
  assert.ok(forward.rules.includes('oifname "qr-pb000000003" meta nfproto ipv4 meta mark != 0x00000002 drop'));
  assert.ok(forward.rules.includes('oifname "qr-pa000000001" meta nfproto ipv4 meta mark != 0x00000001 drop'));
  assert.equal(scopeTable(planRouter({ ...router, admin_state_up: false }, c)), null);
});

test('NAT table read back: equal only with the same rules in the same order', () => {
  const a = 'ip daddr 203.0.113.20 dnat to 10.1.0.5';
  const b = 'ip daddr 203.0.113.21 dnat to 10.1.0.6';
  const rules = natTable({ prerouting: [a, b], postrouting: [], byAddress: new Map() });
  const listed = (rulesIn: [string, string][], chains = ['prerouting', 'postrouting']) =>
    JSON.stringify({
      nftables: [
        { metainfo: {} },
        { table: { family: 'ip', name: NAT_TABLE, handle: 1 } },
        ...chains.map((name) => ({ chain: { family: 'ip', table: NAT_TABLE, name } })),
        ...rulesIn.map(([chain, rule]) => ({ rule: { family: 'ip', table: NAT_TABLE, chain, handle: 2, comment: ruleTag(rule), expr: [] } })),
      ],
    });
  assert.equal(tableMatches(listed([['prerouting', a], ['prerouting', b]]), rules), true);
  assert.equal(tableMatches(listed([['prerouting', a]]), rules), false, 'a rule deleted by hand');
  assert.equal(tableMatches(listed([['prerouting', b], ['prerouting', a]]), rules), false, 'order matters');
  assert.equal(tableMatches(listed([['prerouting', a], ['prerouting', b]], ['prerouting']), rules), false, 'a chain missing');
  assert.equal(tableMatches('not json', rules), false);
});

test('router advertisements (radvd): slaac A, dhcpv6-stateless O + A, dhcpv6-stateful M and no A, per prefix on a shared device; MTU in every RA', async () => {
  const { radvdConfig } = await import('../../src/agent/l3/advertise.ts');
  const one = (device: string, cidr: string, mode: string, mtu = 1450) => ({ device, prefixes: [{ cidr, mode }], mtu });
  const conf = radvdConfig([
    one('qr-b', '2001:db8:2::/64', 'dhcpv6-stateless', 1500),
    one('qr-a', '2001:db8:1::/64', 'slaac'),
    one('qr-c', '2001:db8:3::/64', 'dhcpv6-stateful'),
    { device: 'qr-d', prefixes: [{ cidr: '2001:db8:4::/64', mode: 'slaac' }, { cidr: '2001:db8:5::/64', mode: 'dhcpv6-stateful' }, { cidr: '2001:db8:6::/64', mode: 'bogus' }], mtu: 1450 },
  ]);
  const block = (dev: string) => conf.slice(conf.indexOf(`interface ${dev}`)).split('\n};')[0];
  const prefix = (cidr: string, autonomous: string) => new RegExp(`prefix ${cidr.replace(/[/]/g, '\\/')}\\s*\\{\\s*AdvOnLink on;\\s*AdvAutonomous ${autonomous};`);
  assert.deepEqual([...conf.matchAll(/^interface (\S+)/gm)].map((m) => m[1]), ['qr-a', 'qr-b', 'qr-c', 'qr-d']);
  assert.match(block('qr-a'), /AdvLinkMTU 1450;/);
  assert.match(block('qr-b'), /AdvLinkMTU 1500;/);
  assert.doesNotMatch(block('qr-a'), /AdvManagedFlag|AdvOtherConfigFlag/);
  assert.match(block('qr-a'), prefix('2001:db8:1::/64', 'on'));
  assert.match(block('qr-b'), /AdvOtherConfigFlag on;/);
  assert.doesNotMatch(block('qr-b'), /AdvManagedFlag/);
  assert.match(block('qr-b'), prefix('2001:db8:2::/64', 'on'));
  assert.match(block('qr-c'), /AdvManagedFlag on;/);
  assert.doesNotMatch(block('qr-c'), /AdvOtherConfigFlag/);
  assert.match(block('qr-c'), prefix('2001:db8:3::/64', 'off'));
  // One device, a SLAAC and a stateful subnet (Neutron's template): M, each prefix its own A; an unknown mode is left out.
  assert.match(block('qr-d'), /AdvManagedFlag on;/);
  assert.match(block('qr-d'), prefix('2001:db8:4::/64', 'on'));
  assert.match(block('qr-d'), prefix('2001:db8:5::/64', 'off'));
  assert.doesNotMatch(block('qr-d'), /2001:db8:6::/);
  assert.equal(radvdConfig([one('qr-e', '2001:db8:7::/64', 'bogus')]), '', 'no RA for an unknown mode');
  assert.equal(radvdConfig([]), '');
});
