// Units of the ovn backend: the translation of Neutron objects into northbound rows
// (matches, addresses, DHCP options) and the reconciler's plans against a replica
// (inserts with named references, set differences as mutations, deletes of unwanted roots).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Replica, parseSchema } from '../../src/ovsdb/index.ts';
import { translate, INTENT_COLLECTIONS, type IntentState } from '../../src/backends/ovn/translate.ts';
import { Reconciler } from '../../src/backends/ovn/reconcile.ts';
import { keyOf, DROP_PORT_GROUP, portGroupName, switchName } from '../../src/backends/ovn/names.ts';

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
    assert.deepEqual(d.get('Logical_Switch')!.get(switchName('n1'))!.refs!.ports.keys, ['p1']);
    const dhcp = d.get('DHCP_Options')!.get('s1')!.columns.options as Record<string, string>;
    assert.equal(dhcp.router, '10.0.0.1');
    assert.equal(dhcp.mtu, '1450');
    assert.equal(dhcp.dns_server, '{10.0.0.53}');
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
    const r = new Reconciler(schema(), keyOf);
    const desired = translate(state({ networks: [net], subnets: [subnet], ports: [port('p1')], security_groups: [{ id: 'sg1' }] }), options);
    const plan = r.plan(desired, new Replica(schema()));
    const tables = plan.operations.map((o) => o.table);
    assert.ok(plan.operations.every((o) => o.op === 'insert'));
    assert.ok(tables.indexOf('Logical_Switch_Port') < tables.indexOf('Logical_Switch'));
    assert.ok(tables.indexOf('DHCP_Options') < tables.indexOf('Logical_Switch_Port'));
    const ls = plan.operations.find((o) => o.table === 'Logical_Switch') as any;
    const lsp = plan.operations.find((o) => o.table === 'Logical_Switch_Port') as any;
    assert.deepEqual(ls.row.ports, ['named-uuid', lsp['uuid-name']]);
  });

  it('updates only what differs: set columns by mutation, scalars by update; deletes unwanted roots; leaves foreign rows', () => {
    const r = new Reconciler(schema(), keyOf);
    const replica = new Replica(schema());
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
    const plan = r.plan(desired, replica);
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
