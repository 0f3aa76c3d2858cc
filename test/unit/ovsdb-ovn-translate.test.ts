// Units of the ovn backend: the translation of Neutron objects into northbound rows
// (matches, addresses, DHCP options) and the reconciler's plans against a replica
// (inserts with named references, set differences as mutations, deletes of unwanted roots).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Replica, parseSchema } from '../../src/ovsdb/index.ts';
import { translate, translateUnits, allUnits, affectedUnits, Intent, INTENT_COLLECTIONS, type IntentState, type Unit } from '../../src/backends/ovn/translate.ts';
import { Reconciler, type Desired } from '../../src/backends/ovn/reconcile.ts';
import { keyOf, DROP_PORT_GROUP, portGroupName, switchName } from '../../src/backends/ovn/names.ts';
import { metadataPortName } from '../../src/backends/ovn/metadata-names.ts';

const NB_SCHEMA_FILE = '/usr/share/ovn/ovn-nb.ovsschema';
let nbSchemaJson: any;
try {
  nbSchemaJson = JSON.parse(readFileSync(NB_SCHEMA_FILE, 'utf8'));
} catch {
  nbSchemaJson = undefined;
}

function state(items: Partial<Record<keyof IntentState, Record<string, any>[]>>): IntentState {
  const s = Object.fromEntries(INTENT_COLLECTIONS.map((c) => [c, new Map()])) as unknown as IntentState;
  for (const [c, list] of Object.entries(items)) for (const item of list ?? []) s[c as keyof IntentState].set(item.id, item);
  return s;
}

const net = { id: 'n1', name: 'net', mtu: 1450, revision_number: 3 };
const subnet = { id: 's1', network_id: 'n1', cidr: '10.0.0.0/24', ip_version: 4, gateway_ip: '10.0.0.1', enable_dhcp: true, dns_nameservers: ['10.0.0.53'], host_routes: [], revision_number: 1 };
const port = (id: string, extra: Record<string, any> = {}) => ({
  id,
  network_id: 'n1',
  mac_address: 'fa:16:3e:00:00:01',
  fixed_ips: [{ subnet_id: 's1', ip_address: '10.0.0.5' }],
  security_groups: ['sg1'],
  port_security_enabled: true,
  admin_state_up: true,
  device_owner: 'compute:nova',
  revision_number: 2,
  ...extra,
});
const options = { gatewayChassis: [], leaseTime: 43200 };

describe('translate', () => {
  it('gives a port its addresses, port security with allowed address pairs, DHCP and group membership', () => {
    const d = translate(state({ networks: [net], subnets: [subnet], ports: [port('p1', { allowed_address_pairs: [{ ip_address: '10.0.0.100' }] })], security_groups: [{ id: 'sg1' }] }), options);
    const lsp = d.get('Logical_Switch_Port')!.get('p1')!;
    assert.deepEqual(lsp.columns.addresses, ['fa:16:3e:00:00:01 10.0.0.5']);
    assert.deepEqual(lsp.columns.port_security, ['fa:16:3e:00:00:01 10.0.0.5', 'fa:16:3e:00:00:01 10.0.0.100']);
    assert.equal((lsp.columns.external_ids as any)['neutron:revision_number'], '2');
    assert.deepEqual(lsp.refs?.dhcpv4_options, { ref: 'DHCP_Options', keys: ['s1'] });
    assert.deepEqual(d.get('Port_Group')!.get(portGroupName('sg1'))!.refs!.ports.keys, ['p1']);
    assert.deepEqual(d.get('Port_Group')!.get(DROP_PORT_GROUP)!.refs!.ports.keys, ['p1']);
    // The network's metadata localport (metadata.ts) is on the switch too.
    assert.deepEqual(d.get('Logical_Switch')!.get(switchName('n1'))!.refs!.ports.keys, ['p1', metadataPortName('n1')]);
    assert.equal(d.get('Logical_Switch_Port')!.get(metadataPortName('n1'))!.columns.type, 'localport');
    const dhcp = d.get('DHCP_Options')!.get('s1')!.columns.options as Record<string, string>;
    assert.equal(dhcp.router, '10.0.0.1');
    assert.equal(dhcp.mtu, '1450');
    assert.equal(dhcp.dns_server, '{10.0.0.53}');
    assert.equal(dhcp.classless_static_route, '{169.254.169.254/32,0.0.0.0, 0.0.0.0/0,10.0.0.1}', 'the on-link route to metadata, and the default route again');
  });

  it('without port security: address `unknown`, no port security, in no port group', () => {
    const d = translate(state({ networks: [net], subnets: [subnet], ports: [port('p1', { port_security_enabled: false, security_groups: [] })] }), options);
    const lsp = d.get('Logical_Switch_Port')!.get('p1')!;
    assert.deepEqual(lsp.columns.addresses, ['fa:16:3e:00:00:01 10.0.0.5', 'unknown']);
    assert.deepEqual(lsp.columns.port_security, []);
    assert.deepEqual(d.get('Port_Group')!.get(DROP_PORT_GROUP)!.refs!.ports.keys, []);
  });

  it('writes rule matches as ML2/OVN does', () => {
    const rules = [
      { id: 'r1', security_group_id: 'sg1', direction: 'ingress', ethertype: 'IPv4', protocol: 'tcp', port_range_min: 1000, port_range_max: 2000, remote_ip_prefix: '192.0.2.0/24' },
      { id: 'r2', security_group_id: 'sg1', direction: 'egress', ethertype: 'IPv6', protocol: 'icmp', port_range_min: 128, port_range_max: 0 },
      { id: 'r3', security_group_id: 'sg1', direction: 'ingress', ethertype: 'IPv4', protocol: null, remote_group_id: 'sg2' },
    ];
    const d = translate(state({ security_groups: [{ id: 'sg1', stateful: true }], security_group_rules: rules }), options);
    const acl = (id: string) => d.get('ACL')!.get(id)!.columns;
    assert.equal(acl('r1').match, `outport == @${portGroupName('sg1')} && ip4 && ip4.src == 192.0.2.0/24 && tcp && tcp.dst >= 1000 && tcp.dst <= 2000`);
    assert.equal(acl('r1').direction, 'to-lport');
    assert.equal(acl('r1').action, 'allow-related');
    assert.equal(acl('r2').match, `inport == @${portGroupName('sg1')} && ip6 && icmp6 && icmp6.type == 128 && icmp6.code == 0`);
    assert.equal(acl('r3').match, `outport == @${portGroupName('sg1')} && ip4 && ip4.src == $${portGroupName('sg2')}_ip4`);
    const stateless = translate(state({ security_groups: [{ id: 'sg1', stateful: false }], security_group_rules: [rules[0]] }), options);
    assert.equal(stateless.get('ACL')!.get('r1')!.columns.action, 'allow-stateless');
  });
});

describe('Reconciler', { skip: nbSchemaJson ? false : `needs ${NB_SCHEMA_FILE} (Debian: ovn-common)` }, () => {
  const schema = () => parseSchema(nbSchemaJson);

  it('inserts what is missing, children before the rows referring to them by name', () => {
    const r = new Reconciler(schema(), keyOf, new Replica(schema()));
    const desired = translate(state({ networks: [net], subnets: [subnet], ports: [port('p1')], security_groups: [{ id: 'sg1' }] }), options);
    const plan = r.plan(desired);
    const tables = plan.operations.map((o) => o.table);
    assert.ok(plan.operations.every((o) => o.op === 'insert'));
    assert.ok(tables.indexOf('Logical_Switch_Port') < tables.indexOf('Logical_Switch'));
    assert.ok(tables.indexOf('DHCP_Options') < tables.indexOf('Logical_Switch_Port'));
    const ls = plan.operations.find((o) => o.table === 'Logical_Switch') as any;
    const lsps = plan.operations.filter((o) => o.table === 'Logical_Switch_Port') as any[];
    const named = (refs: [string, string][]) => refs.map(([, n]) => n).sort();
    assert.equal(ls.row.ports[0], 'set');
    assert.deepEqual(named(ls.row.ports[1]), named(lsps.map((lsp) => ['named-uuid', lsp['uuid-name']])));
  });

  it('updates only what differs: set columns by mutation, scalars by update; deletes unwanted roots; leaves foreign rows', () => {
    const replica = new Replica(schema());
    const r = new Reconciler(schema(), keyOf, replica);
    const lsName = switchName('n1');
    replica.apply(
      {
        Logical_Switch: {
          ls1: { new: { name: lsName, ports: ['set', [['uuid', 'stray'], ['uuid', 'lsp1']]], external_ids: ['map', [['neutron:network_name', 'old'], ['neutron:revision_number', '3'], ['neutron:mtu', '1450']]], other_config: ['map', [['mcast_snoop', 'false'], ['mcast_flood_unregistered', 'false']]] } },
          ls2: { new: { name: switchName('gone'), ports: ['set', []], external_ids: ['map', []] } },
          ls3: { new: { name: 'operator', ports: ['set', []], external_ids: ['map', []] } },
        },
        Logical_Switch_Port: {
          lsp1: { new: { name: 'p1', enabled: true, type: 'localport', addresses: ['set', []], external_ids: ['map', [['neutron:network_name', lsName]]] } },
          stray: { new: { name: 'stray', external_ids: ['map', []] } },
        },
      },
      true,
    );
    const desired = translate(state({ networks: [net], ports: [port('p1', { fixed_ips: [], security_groups: [], port_security_enabled: false })] }), options);
    desired.delete('Port_Group');
    desired.delete('ACL');
    const plan = r.plan(desired);
    const ops = plan.operations as any[];
    const lsMutate = ops.find((o) => o.op === 'mutate' && o.table === 'Logical_Switch');
    assert.deepEqual(lsMutate.mutations, [
      ['external_ids', 'delete', ['set', ['neutron:network_name']]],
      ['external_ids', 'insert', ['map', [['neutron:network_name', 'net']]]],
      ['ports', 'delete', ['uuid', 'stray']],
    ]);
    const lspUpdate = ops.find((o) => o.op === 'update' && o.table === 'Logical_Switch_Port');
    assert.equal(lspUpdate.row.type, '');
    assert.deepEqual(ops.filter((o) => o.op === 'delete').map((o) => o.where[0][2][1]), ['ls2']);
    assert.ok(!JSON.stringify(ops).includes('ls3'), 'the operator switch is not touched');
  });
});

describe('Reconciler set index', { skip: nbSchemaJson ? false : `needs ${NB_SCHEMA_FILE} (Debian: ovn-common)` }, () => {
  it('keeps a large set column\'s index in step with update2 diffs (plans stay exact)', () => {
    const schema = parseSchema(nbSchemaJson);
    const replica = new Replica(schema);
    const r = new Reconciler(schema, keyOf, replica);
    const members = Array.from({ length: 50 }, (_, i) => `lsp${i}`);
    replica.apply2({
      Port_Group: { pg1: { initial: { name: DROP_PORT_GROUP, ports: ['set', members.map((m) => ['uuid', m])] } } },
      Logical_Switch_Port: Object.fromEntries(['new1', 'new2', ...members].map((m) => [m, { initial: { name: m, external_ids: ['map', [['neutron:network_name', 'x']]] } }])),
    }, true);
    const want = (names: string[]) => new Map([['Port_Group', new Map([[DROP_PORT_GROUP, { columns: { name: DROP_PORT_GROUP, external_ids: {} }, refs: { ports: { ref: 'Logical_Switch_Port', keys: names } } }]])]]);
    assert.equal(r.plan(want(members), new Map([['Port_Group', new Set([DROP_PORT_GROUP])]])).operations.length, 0, 'equal: nothing to do (the index is built)');
    // NB changes by diffs: lsp3 leaves, new1 joins; then new2 joins and lsp4 leaves.
    replica.apply2({ Port_Group: { pg1: { modify: { ports: ['set', [['uuid', 'lsp3'], ['uuid', 'new1']]] } } } }, false);
    replica.apply2({ Port_Group: { pg1: { modify: { ports: ['set', [['uuid', 'new2'], ['uuid', 'lsp4']]] } } } }, false);
    const now = [...members.filter((m) => m !== 'lsp3' && m !== 'lsp4'), 'new1', 'new2'];
    const scope = new Map([['Port_Group', new Set([DROP_PORT_GROUP])]]);
    assert.equal(r.plan(want(now), scope).operations.length, 0, 'the index followed the diffs');
    const ops = r.plan(want([...now.filter((m) => m !== 'new1'), 'lsp3']), scope).operations as any[];
    assert.deepEqual(ops.map((o) => o.mutations), [[['ports', 'delete', ['uuid', 'new1']], ['ports', 'insert', ['uuid', 'lsp3']]]]);
  });
});

describe('incremental translation', () => {
  // A seeded random walk over a small cloud: after every change, the rows kept up to date by
  // translating only the units affectedUnits names equal a full translation of the intent.
  // A dependency missing from affectedUnits shows here as a stale row.
  const canonicalRows = (d: Desired) =>
    JSON.stringify(
      [...d.entries()]
        .filter(([, rows]) => rows.size)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([table, rows]) => [
          table,
          [...rows.entries()]
            .sort(([a], [b]) => a.localeCompare(b))
            .map(([key, row]) => [key, row.columns, Object.entries(row.refs ?? {}).map(([col, r]) => [col, r.ref, [...r.keys].sort()])]),
        ]),
    );

  it('equals a full translation after each of 400 random changes', () => {
    let seed = 42;
    const rnd = (n: number) => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return (seed >>> 8) % n;
    };
    const pick = <T>(list: T[]): T | undefined => (list.length ? list[rnd(list.length)] : undefined);
    const intent = new Intent();
    const options = { gatewayChassis: ['gw1'], leaseTime: 43200 };
    let full = translateUnits(intent, allUnits(intent), options);
    const model: Desired = full.desired;
    const rowsByUnit = new Map(full.rowsByUnit);
    let n = 0;
    const ids = (c: keyof IntentState) => [...intent[c].keys()];
    const change = (c: keyof IntentState, item: Record<string, any> | null, id?: string) => {
      const key = item?.id ?? id!;
      const old = item ? intent.put(c, item) : intent.remove(c, key);
      const dirty = new Set<Unit>();
      affectedUnits(intent, c, old, item ?? undefined, dirty);
      const t = translateUnits(intent, dirty, options);
      for (const u of dirty) {
        for (const [table, k] of rowsByUnit.get(u) ?? []) model.get(table)?.delete(k);
        rowsByUnit.set(u, t.rowsByUnit.get(u) ?? []);
      }
      for (const [table, rows] of t.desired) {
        if (!model.has(table)) model.set(table, new Map());
        for (const [k, row] of rows) model.get(table)!.set(k, row);
      }
    };
    const subnetFor = (netId: string) => pick(ids('subnets').filter((s) => intent.subnets.get(s)!.network_id === netId));
    const fixedIps = (netId: string) => {
      const s = subnetFor(netId);
      if (!s) return [];
      const sub = intent.subnets.get(s)!;
      return [{ subnet_id: s, ip_address: sub.ip_version === 4 ? `10.${rnd(200)}.0.${1 + rnd(250)}` : `2001:db8::${(1 + rnd(999)).toString(16)}` }];
    };
    for (let step = 0; step < 400; step++) {
      const what = rnd(12);
      const net = pick(ids('networks'));
      if (what === 0 || !net) {
        const flat = rnd(3) === 0;
        change('networks', { id: `n${n++}`, name: `net${rnd(5)}`, mtu: 1400 + rnd(3) * 50, revision_number: rnd(9), ...(flat ? { 'provider:network_type': rnd(2) ? 'flat' : 'vlan', 'provider:physical_network': 'physnet1', 'provider:segmentation_id': 100 + rnd(9) } : {}) });
      } else if (what === 1) {
        const v6 = rnd(3) === 0;
        const i = n++;
        change('subnets', {
          id: `s${i}`, network_id: rnd(8) ? net : `missing${i}`, ip_version: v6 ? 6 : 4, cidr: v6 ? `2001:db8:${i.toString(16)}::/64` : `10.${i % 200}.0.0/${16 + rnd(9)}`,
          gateway_ip: rnd(4) ? (v6 ? `2001:db8:${i.toString(16)}::1` : `10.${i % 200}.0.1`) : null, enable_dhcp: rnd(3) !== 0, ipv6_address_mode: pick(['dhcpv6-stateful', 'dhcpv6-stateless', 'slaac', null]),
          dns_nameservers: rnd(2) ? ['10.0.0.53', '2001:db8::53'] : [], host_routes: rnd(3) ? [] : [{ destination: '192.0.2.0/24', nexthop: '10.0.0.9' }], revision_number: rnd(9),
        });
      } else if (what <= 4) {
        const existing = rnd(2) ? pick(ids('ports')) : undefined;
        const routerId = pick(ids('routers'));
        const owner = pick(['compute:nova', 'compute:nova', 'network:dhcp', ...(routerId ? ['network:router_interface', 'network:router_gateway'] : [])])!;
        const sgs = ids('security_groups');
        change('ports', {
          id: existing ?? `p${n++}`, network_id: rnd(10) ? net : pick(ids('networks')), mac_address: `fa:16:3e:00:00:${rnd(99)}`, fixed_ips: fixedIps(net),
          device_owner: owner, device_id: owner.startsWith('network:router') ? routerId : `vm${rnd(5)}`, security_groups: sgs.filter(() => rnd(3) === 0),
          port_security_enabled: rnd(5) !== 0, admin_state_up: rnd(6) !== 0, allowed_address_pairs: rnd(4) ? [] : [{ ip_address: '10.9.9.9' }],
          extra_dhcp_opts: rnd(5) ? [] : [{ opt_name: 'domain-name', opt_value: 'example.org', ip_version: 4 }], 'binding:host_id': rnd(2) ? 'h1' : '', revision_number: rnd(9),
        });
      } else if (what === 5) {
        change('security_groups', { id: pick(ids('security_groups')) ?? `sg${n++}`, stateful: rnd(3) !== 0, revision_number: rnd(9) });
        if (rnd(2)) change('security_groups', { id: `sg${n++}`, stateful: true });
      } else if (what === 6) {
        const sg = pick(ids('security_groups')) ?? 'sg-missing';
        change('security_group_rules', {
          id: pick(ids('security_group_rules').filter(() => rnd(3) === 0)) ?? `r${n++}`, security_group_id: sg, direction: pick(['ingress', 'egress']), ethertype: pick(['IPv4', 'IPv6']),
          protocol: pick(['tcp', 'udp', 'icmp', null, 'gre']), port_range_min: rnd(2) ? 80 : null, port_range_max: rnd(2) ? 90 : null, remote_group_id: rnd(4) ? null : pick(ids('security_groups')),
        });
      } else if (what === 7) {
        change('address_groups', { id: pick(ids('address_groups')) ?? `ag${n++}`, addresses: ['10.1.0.0/16', '2001:db8::/64'].filter(() => rnd(2)), revision_number: rnd(9) });
      } else if (what === 8) {
        change('routers', { id: pick(ids('routers').filter(() => rnd(2) === 0)) ?? `r${n++}`, name: `r${rnd(3)}`, admin_state_up: rnd(5) !== 0, routes: rnd(3) ? [] : [{ destination: '192.0.2.0/24', nexthop: '10.0.0.7' }], external_gateway_info: { enable_snat: rnd(3) !== 0 }, revision_number: rnd(9) });
      } else if (what === 9) {
        const port = pick(ids('ports'));
        change('floatingips', { id: pick(ids('floatingips').filter(() => rnd(2) === 0)) ?? `f${n++}`, router_id: pick(ids('routers')) ?? null, port_id: port ?? null, fixed_ip_address: port ? '10.0.0.5' : null, floating_ip_address: `203.0.113.${rnd(250)}`, revision_number: rnd(9) });
      } else {
        // Deletions, networks included while ports and subnets still name them.
        const c = pick(['networks', 'subnets', 'ports', 'ports', 'security_groups', 'security_group_rules', 'routers', 'floatingips', 'address_groups'] as (keyof IntentState)[])!;
        const id = pick(ids(c));
        if (id) change(c, null, id);
      }
      full = translateUnits(intent, allUnits(intent), options);
      assert.equal(canonicalRows(model), canonicalRows(full.desired), `after step ${step}`);
    }
    assert.ok(intent.ports.size > 20 && intent.routers.size > 2, `the walk built a cloud of some size: ${INTENT_COLLECTIONS.map((c) => `${c} ${intent[c].size}`).join(', ')}`);
  });
});
