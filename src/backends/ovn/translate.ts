// Neutron intent → OVN northbound rows (pure: no I/O). The translation table, as ML2/OVN
// documents it (docs/ovn.md has it as a table):
//   network            → Logical_Switch `neutron-<id>` (+ a `localnet` port `provnet-<id>` for
//                        flat/VLAN provider networks, with the VLAN id as its tag)
//   subnet (DHCP on)   → DHCP_Options (v4: router, DNS, routes, MTU, lease; v6: stateless/ful)
//   port               → Logical_Switch_Port named by the port id: addresses, port_security
//                        (+ allowed address pairs), enabled, DHCP options, requested-chassis;
//                        type `router` for router ports, `localport` for DHCP ports
//   security group     → Port_Group `pg_<id>` with one ACL per rule (allow-related, or
//                        allow-stateless for stateless groups); remote groups through the
//                        address sets OVN derives from port groups ($pg_<id>_ip4), remote
//                        address groups through Address_Set `ag_<id>_ip4/6`; every port with
//                        port security is in `neutron_pg_drop`, whose ACLs drop the rest
//   router             → Logical_Router `neutron-<id>`, Logical_Router_Port `lrp-<port id>`
//                        per interface and gateway (Gateway_Chassis on known chassis), static
//                        routes (extra routes, default via the external gateway), NAT `snat`
//                        per internal subnet when enable_snat
//   floating IP        → NAT `dnat_and_snat` on its router
import ipaddr from 'ipaddr.js';
import { createHash } from 'node:crypto';
import type { Value } from '../../ovsdb/index.ts';
import type { Desired, DesiredRow } from './reconcile.ts';
import { DROP_PORT_GROUP, EXT, addressSetName, localnetPortName, portGroupName, routerName, routerPortName, switchName } from './names.ts';

type Item = Record<string, any>;

/** The Neutron objects the translation reads, by id. */
export interface IntentState {
  networks: Map<string, Item>;
  subnets: Map<string, Item>;
  ports: Map<string, Item>;
  security_groups: Map<string, Item>;
  security_group_rules: Map<string, Item>;
  address_groups: Map<string, Item>;
  routers: Map<string, Item>;
  floatingips: Map<string, Item>;
}

export const INTENT_COLLECTIONS: (keyof IntentState)[] = ['networks', 'subnets', 'ports', 'security_groups', 'security_group_rules', 'address_groups', 'routers', 'floatingips'];

export interface TranslateOptions {
  /** Chassis names gateway router ports may be scheduled on, by preference. */
  gatewayChassis: string[];
  /** DHCP lease time, seconds. */
  leaseTime: number;
}

const ROUTER_INTERFACE_OWNERS = new Set(['network:router_interface', 'network:router_interface_distributed', 'network:ha_router_replicated_interface']);
const ROUTER_GATEWAY = 'network:router_gateway';
const DHCP_OWNER = 'network:dhcp';

const rev = (item: Item) => String(item.revision_number ?? 0);
const isV4 = (ip: string) => ipaddr.parse(ip).kind() === 'ipv4';
const prefixOf = (cidr: string) => Number(cidr.split('/')[1]);

/** A MAC for OVN's DHCP server on a subnet, stable across restarts (ML2/OVN keeps a random one). */
function serverMac(subnetId: string): string {
  const h = createHash('sha256').update(subnetId).digest();
  return `fa:16:3e:${[h[0], h[1], h[2]].map((b) => b.toString(16).padStart(2, '0')).join(':')}`;
}

function push<T>(map: Map<string, T[]>, key: string, value: T): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

class Builder {
  readonly desired: Desired = new Map();

  add(table: string, key: string, row: DesiredRow): void {
    let t = this.desired.get(table);
    if (!t) this.desired.set(table, (t = new Map()));
    t.set(key, row);
  }
}

/** The northbound rows that realize state. */
export function translate(state: IntentState, options: TranslateOptions): Desired {
  const b = new Builder();
  const portsByNetwork = new Map<string, Item[]>();
  for (const port of state.ports.values()) if (state.networks.has(port.network_id)) push(portsByNetwork, port.network_id, port);

  // DHCP options per subnet with DHCP enabled (and per port with extra DHCP options).
  const dhcpKeys = new Map<string, string>();
  for (const subnet of state.subnets.values()) {
    const network = state.networks.get(subnet.network_id);
    if (!network || !subnet.enable_dhcp) continue;
    const row = dhcpOptions(subnet, network, options);
    if (!row) continue;
    b.add('DHCP_Options', subnet.id, row);
    dhcpKeys.set(subnet.id, subnet.id);
  }

  // Security groups: port groups, their ACLs, and the drop group.
  const secured = (port: Item) => port.port_security_enabled !== false && !isRouterPort(port) && port.device_owner !== DHCP_OWNER;
  const membersBySg = new Map<string, string[]>();
  const dropMembers: string[] = [];
  for (const port of state.ports.values()) {
    if (!state.networks.has(port.network_id) || !secured(port)) continue;
    dropMembers.push(port.id);
    for (const sg of port.security_groups ?? []) push(membersBySg, sg, port.id);
  }
  const rulesBySg = new Map<string, Item[]>();
  for (const rule of state.security_group_rules.values()) push(rulesBySg, rule.security_group_id, rule);
  for (const sg of state.security_groups.values()) {
    const pg = portGroupName(sg.id);
    const acls: string[] = [];
    for (const rule of rulesBySg.get(sg.id) ?? []) {
      const acl = ruleAcl(rule, pg, sg.stateful !== false);
      if (!acl) continue;
      b.add('ACL', rule.id, acl);
      acls.push(rule.id);
    }
    b.add('Port_Group', pg, {
      columns: { name: pg, external_ids: { [EXT.sgId]: sg.id, [EXT.revision]: rev(sg) } },
      refs: { ports: { ref: 'Logical_Switch_Port', keys: membersBySg.get(sg.id) ?? [] }, acls: { ref: 'ACL', keys: acls } },
    });
  }
  const dropAcls: string[] = [];
  for (const direction of ['from-lport', 'to-lport'] as const) {
    const key = `drop-${direction}`;
    const match = `${direction === 'from-lport' ? 'inport' : 'outport'} == @${DROP_PORT_GROUP} && ip`;
    b.add('ACL', key, { columns: { direction, priority: 1001, match, action: 'drop', name: [], external_ids: { [EXT.defaultAcl]: key } } });
    dropAcls.push(key);
  }
  b.add('Port_Group', DROP_PORT_GROUP, { columns: { name: DROP_PORT_GROUP, external_ids: {} }, refs: { ports: { ref: 'Logical_Switch_Port', keys: dropMembers }, acls: { ref: 'ACL', keys: dropAcls } } });

  for (const group of state.address_groups.values()) {
    for (const version of [4, 6] as const) {
      const addresses = (group.addresses ?? []).filter((a: string) => (version === 4) === isV4(a.split('/')[0]));
      const name = addressSetName(group.id, version);
      b.add('Address_Set', name, { columns: { name, addresses, external_ids: { [EXT.addressGroupId]: group.id, [EXT.revision]: rev(group) } } });
    }
  }

  // Networks and their ports.
  for (const network of state.networks.values()) {
    const portKeys: string[] = [];
    for (const port of portsByNetwork.get(network.id) ?? []) {
      const row = memoizedSwitchPort(b, port, network, state, dhcpKeys, secured(port));
      b.add('Logical_Switch_Port', port.id, row);
      portKeys.push(port.id);
    }
    const type = network['provider:network_type'];
    if (type === 'flat' || type === 'vlan') {
      const name = localnetPortName(network.id);
      const tag = type === 'vlan' && network['provider:segmentation_id'] != null ? [Number(network['provider:segmentation_id'])] : [];
      b.add('Logical_Switch_Port', name, {
        columns: { name, type: 'localnet', addresses: ['unknown'], options: { network_name: String(network['provider:physical_network'] ?? '') }, tag, external_ids: { [EXT.networkName]: switchName(network.id) } },
      });
      portKeys.push(name);
    }
    const ls = switchName(network.id);
    b.add('Logical_Switch', ls, {
      columns: {
        name: ls,
        external_ids: { [EXT.networkName]: String(network.name ?? ''), [EXT.revision]: rev(network), 'neutron:mtu': String(network.mtu ?? 1500) },
        other_config: { mcast_snoop: 'false', mcast_flood_unregistered: 'false' },
      },
      refs: { ports: { ref: 'Logical_Switch_Port', keys: portKeys } },
    });
  }

  translateRouters(b, state, options);
  return b.desired;
}

function isRouterPort(port: Item): boolean {
  return ROUTER_INTERFACE_OWNERS.has(port.device_owner) || port.device_owner === ROUTER_GATEWAY;
}

function dhcpOptions(subnet: Item, network: Item, options: TranslateOptions): DesiredRow | null {
  const mtu = String(network.mtu ?? 1500);
  const ext = { [EXT.subnetId]: subnet.id, [EXT.revision]: rev(subnet) };
  const dns = (subnet.dns_nameservers ?? []) as string[];
  if (subnet.ip_version === 4) {
    const gateway = subnet.gateway_ip as string | null;
    // OVN's DHCP server needs an address of its own; the gateway's when there is one.
    const server = gateway ?? ipaddr.IPv4.networkAddressFromCIDR(subnet.cidr).toString().replace(/\.0$/, '.1');
    const o: Record<string, string> = { server_id: server, server_mac: serverMac(subnet.id), lease_time: String(options.leaseTime), mtu };
    if (gateway) o.router = gateway;
    if (dns.length) o.dns_server = `{${dns.filter(isV4).join(', ')}}`;
    const routes = ((subnet.host_routes ?? []) as Item[]).map((r) => `${r.destination},${r.nexthop}`);
    // With classless routes the client ignores `router`: repeat the default route among them.
    if (routes.length) o.classless_static_route = `{${[...routes, ...(gateway ? [`0.0.0.0/0,${gateway}`] : [])].join(', ')}}`;
    return { columns: { cidr: subnet.cidr, options: o, external_ids: ext } };
  }
  const mode = subnet.ipv6_address_mode;
  if (mode !== 'dhcpv6-stateful' && mode !== 'dhcpv6-stateless') return null;
  const o: Record<string, string> = { server_id: serverMac(subnet.id) };
  if (mode === 'dhcpv6-stateless') o.dhcpv6_stateless = 'true';
  const dns6 = dns.filter((d) => !isV4(d));
  if (dns6.length) o.dns_server = `{${dns6.join(', ')}}`;
  return { columns: { cidr: subnet.cidr, options: o, external_ids: ext } };
}

/** extra_dhcp_opts names as OVN spells them (Neutron uses dnsmasq's). */
const DHCP_OPT_NAMES: Record<string, string> = {
  'router': 'router',
  'dns-server': 'dns_server',
  'domain-name': 'domain_name',
  'tftp-server': 'tftp_server',
  'bootfile-name': 'bootfile_name',
  'server-ip-address': 'tftp_server_address',
  'ntp-server': 'ntp_server',
  'mtu': 'mtu',
  'lease-time': 'lease_time',
  'classless-static-route': 'classless_static_route',
  'domain-search': 'domain_search_list',
  'T1': 'T1',
  'T2': 'T2',
};

/**
 * A port's row is rebuilt only when an input changed (the intent replaces an object when it
 * changes, so identity tells): the same row object lets the reconciler skip comparing it.
 */
const portRows = new WeakMap<Item, { network: Item; subnets: (Item | undefined)[]; dhcp: boolean[]; secured: boolean; row: DesiredRow }>();

function memoizedSwitchPort(b: Builder, port: Item, network: Item, state: IntentState, dhcpKeys: Map<string, string>, secured: boolean): DesiredRow {
  // Ports with their own DHCP options add rows as they are translated: never memoized.
  if ((port.extra_dhcp_opts ?? []).length) return switchPort(b, port, network, state, dhcpKeys, secured);
  const ids = ((port.fixed_ips ?? []) as Item[]).map((f) => f.subnet_id as string);
  const subnets = ids.map((id) => state.subnets.get(id));
  const dhcp = ids.map((id) => dhcpKeys.has(id));
  const memo = portRows.get(port);
  if (memo && memo.network === network && memo.secured === secured && memo.subnets.every((s, i) => s === subnets[i]) && memo.dhcp.every((d, i) => d === dhcp[i]) && memo.subnets.length === subnets.length) return memo.row;
  const row = switchPort(b, port, network, state, dhcpKeys, secured);
  portRows.set(port, { network, subnets, dhcp, secured, row });
  return row;
}

function switchPort(b: Builder, port: Item, network: Item, state: IntentState, dhcpKeys: Map<string, string>, secured: boolean): DesiredRow {
  const fixed = ((port.fixed_ips ?? []) as Item[]).filter((f) => f.ip_address);
  const ips = fixed.map((f) => f.ip_address as string);
  const cidrs = fixed.map((f) => {
    const subnet = state.subnets.get(f.subnet_id);
    return `${f.ip_address}/${subnet ? prefixOf(subnet.cidr) : isV4(f.ip_address) ? 32 : 128}`;
  });
  const external_ids: Record<string, string> = {
    [EXT.portName]: String(port.name ?? ''),
    [EXT.deviceId]: String(port.device_id ?? ''),
    [EXT.deviceOwner]: String(port.device_owner ?? ''),
    [EXT.networkName]: switchName(network.id),
    [EXT.projectId]: String(port.project_id ?? ''),
    [EXT.cidrs]: cidrs.join(' '),
    [EXT.securityGroups]: ((port.security_groups ?? []) as string[]).join(' '),
    [EXT.revision]: rev(port),
  };
  const columns: Record<string, Value> = { name: port.id, enabled: port.admin_state_up !== false, external_ids, type: '', options: {}, port_security: [], dhcpv4_options: [], dhcpv6_options: [] };
  const refs: DesiredRow['refs'] = {};
  const macAndIps = [port.mac_address, ...ips].join(' ');
  if (isRouterPort(port)) {
    columns.type = 'router';
    columns.addresses = ['router'];
    columns.options = { 'router-port': routerPortName(port.id), ...(port.device_owner === ROUTER_GATEWAY ? { 'nat-addresses': 'router' } : {}) };
    return { columns, refs };
  }
  if (port.device_owner === DHCP_OWNER) {
    columns.type = 'localport';
    columns.addresses = [macAndIps];
    return { columns, refs };
  }
  const addresses = [macAndIps];
  if (secured) {
    const pairs = ((port.allowed_address_pairs ?? []) as Item[]).map((p) => `${p.mac_address ?? port.mac_address} ${p.ip_address}`);
    columns.port_security = [macAndIps, ...pairs];
  } else {
    addresses.push('unknown');
  }
  columns.addresses = addresses;
  if (port['binding:host_id']) columns.options = { 'requested-chassis': String(port['binding:host_id']) };
  // DHCP: the options of the port's first subnet per IP version with DHCP on.
  for (const version of [4, 6] as const) {
    const f = fixed.find((x) => dhcpKeys.has(x.subnet_id) && isV4(x.ip_address) === (version === 4));
    if (!f) continue;
    const extra = ((port.extra_dhcp_opts ?? []) as Item[]).filter((o) => Number(o.ip_version ?? 4) === version);
    const col = version === 4 ? 'dhcpv4_options' : 'dhcpv6_options';
    if (extra.length) {
      // Port-specific options: the subnet's plus the port's (ML2/OVN's per-port DHCP_Options row).
      const key = `${f.subnet_id}/${port.id}`;
      const base = b.desired.get('DHCP_Options')!.get(f.subnet_id)!.columns;
      const opts: Record<string, string> = { ...(base.options as Record<string, string>) };
      for (const o of extra) opts[DHCP_OPT_NAMES[o.opt_name] ?? String(o.opt_name).replace(/-/g, '_')] = String(o.opt_value);
      b.add('DHCP_Options', key, { columns: { cidr: base.cidr, options: opts, external_ids: { ...(base.external_ids as Record<string, string>), [EXT.portId]: port.id } } });
      refs[col] = { ref: 'DHCP_Options', keys: [key] };
    } else {
      refs[col] = { ref: 'DHCP_Options', keys: [f.subnet_id] };
    }
  }
  return { columns, refs };
}

function ruleAcl(rule: Item, pg: string, stateful: boolean): DesiredRow | null {
  const ingress = rule.direction === 'ingress';
  const v6 = rule.ethertype === 'IPv6';
  const ip = v6 ? 'ip6' : 'ip4';
  const parts = [`${ingress ? 'outport' : 'inport'} == @${pg}`, ip];
  const remoteSide = ingress ? 'src' : 'dst';
  if (rule.remote_ip_prefix) parts.push(`${ip}.${remoteSide} == ${rule.remote_ip_prefix}`);
  if (rule.remote_group_id) parts.push(`${ip}.${remoteSide} == $${portGroupName(rule.remote_group_id)}_${ip}`);
  if (rule.remote_address_group_id) parts.push(`${ip}.${remoteSide} == $${addressSetName(rule.remote_address_group_id, v6 ? 6 : 4)}`);
  const proto = rule.protocol == null ? null : String(rule.protocol).toLowerCase();
  const min = rule.port_range_min;
  const max = rule.port_range_max;
  if (proto === 'tcp' || proto === 'udp' || proto === 'sctp' || proto === '6' || proto === '17' || proto === '132') {
    const name = proto === '6' ? 'tcp' : proto === '17' ? 'udp' : proto === '132' ? 'sctp' : proto;
    parts.push(name);
    if (min != null && max != null && min === max) parts.push(`${name}.dst == ${min}`);
    else if (min != null && max != null) parts.push(`${name}.dst >= ${min} && ${name}.dst <= ${max}`);
  } else if (proto === 'icmp' || proto === 'ipv6-icmp' || proto === 'icmpv6' || proto === '1' || proto === '58') {
    const icmp = v6 ? 'icmp6' : 'icmp4';
    parts.push(icmp);
    if (min != null) parts.push(`${icmp}.type == ${min}`);
    if (max != null) parts.push(`${icmp}.code == ${max}`);
  } else if (proto !== null && proto !== 'any') {
    const number = /^\d+$/.test(proto) ? proto : null;
    if (!number) return null; // a protocol name OVN has no field for
    parts.push(`ip.proto == ${number}`);
  }
  return {
    columns: {
      direction: ingress ? 'to-lport' : 'from-lport',
      priority: 1002,
      match: parts.join(' && '),
      action: stateful ? 'allow-related' : 'allow-stateless',
      name: [],
      external_ids: { [EXT.ruleId]: rule.id, [EXT.sgId]: rule.security_group_id },
    },
  };
}

function translateRouters(b: Builder, state: IntentState, options: TranslateOptions): void {
  const portsByRouter = new Map<string, Item[]>();
  for (const port of state.ports.values()) {
    if (!isRouterPort(port) || !state.routers.has(port.device_id) || !state.networks.has(port.network_id)) continue;
    push(portsByRouter, port.device_id, port);
  }
  const fipsByRouter = new Map<string, Item[]>();
  for (const fip of state.floatingips.values()) if (fip.router_id && fip.port_id && fip.fixed_ip_address) push(fipsByRouter, fip.router_id, fip);

  for (const router of state.routers.values()) {
    const lr = routerName(router.id);
    const ports: string[] = [];
    const routes: string[] = [];
    const nats: string[] = [];
    let gatewayV4: string | null = null;
    const internalV4: string[] = [];
    for (const port of portsByRouter.get(router.id) ?? []) {
      const lrp = routerPortName(port.id);
      const networks = ((port.fixed_ips ?? []) as Item[])
        .filter((f) => f.ip_address && state.subnets.has(f.subnet_id))
        .map((f) => `${f.ip_address}/${prefixOf(state.subnets.get(f.subnet_id)!.cidr)}`);
      const gateway = port.device_owner === ROUTER_GATEWAY;
      const refs: DesiredRow['refs'] = {};
      if (gateway) {
        const chassis = options.gatewayChassis.map((name, i) => {
          const key = `${lrp}_${name}`;
          b.add('Gateway_Chassis', key, { columns: { name: key, chassis_name: name, priority: options.gatewayChassis.length - i, external_ids: {} } });
          return key;
        });
        refs.gateway_chassis = { ref: 'Gateway_Chassis', keys: chassis };
        for (const f of (port.fixed_ips ?? []) as Item[]) {
          const subnet = state.subnets.get(f.subnet_id);
          if (!subnet || !isV4(f.ip_address)) continue;
          gatewayV4 ??= f.ip_address;
          if (subnet.gateway_ip) {
            const key = `${router.id}|0.0.0.0/0|${subnet.gateway_ip}`;
            b.add('Logical_Router_Static_Route', key, { columns: { ip_prefix: '0.0.0.0/0', nexthop: subnet.gateway_ip, external_ids: { [EXT.key]: key, [EXT.isExtGw]: 'true', [EXT.subnetId]: subnet.id } } });
            routes.push(key);
          }
        }
      } else {
        for (const f of (port.fixed_ips ?? []) as Item[]) {
          const subnet = state.subnets.get(f.subnet_id);
          if (subnet && isV4(f.ip_address)) internalV4.push(subnet.cidr);
        }
      }
      b.add('Logical_Router_Port', lrp, {
        columns: {
          name: lrp,
          mac: port.mac_address,
          networks,
          enabled: port.admin_state_up !== false,
          external_ids: { [EXT.routerName]: router.id, [EXT.networkName]: switchName(port.network_id), [EXT.revision]: rev(port), ...(gateway ? { [EXT.isExtGw]: 'true' } : {}) },
        },
        refs,
      });
      ports.push(lrp);
    }
    for (const route of (router.routes ?? []) as Item[]) {
      const key = `${router.id}|${route.destination}|${route.nexthop}`;
      b.add('Logical_Router_Static_Route', key, { columns: { ip_prefix: route.destination, nexthop: route.nexthop, external_ids: { [EXT.key]: key } } });
      routes.push(key);
    }
    const enableSnat = router.external_gateway_info?.enable_snat !== false;
    if (gatewayV4 && enableSnat) {
      for (const cidr of internalV4) {
        const key = `snat|${router.id}|${cidr}`;
        b.add('NAT', key, { columns: { type: 'snat', external_ip: gatewayV4, logical_ip: cidr, external_ids: { [EXT.key]: key, [EXT.routerName]: lr } } });
        nats.push(key);
      }
    }
    if (gatewayV4) {
      for (const fip of fipsByRouter.get(router.id) ?? []) {
        b.add('NAT', fip.id, {
          columns: {
            type: 'dnat_and_snat',
            external_ip: fip.floating_ip_address,
            logical_ip: fip.fixed_ip_address,
            external_ids: { [EXT.fipId]: fip.id, [EXT.fipPortId]: fip.port_id, [EXT.routerName]: lr, [EXT.revision]: rev(fip) },
          },
        });
        nats.push(fip.id);
      }
    }
    b.add('Logical_Router', lr, {
      columns: { name: lr, enabled: router.admin_state_up !== false, external_ids: { [EXT.routerName]: String(router.name ?? ''), [EXT.revision]: rev(router) } },
      refs: { ports: { ref: 'Logical_Router_Port', keys: ports }, static_routes: { ref: 'Logical_Router_Static_Route', keys: routes }, nat: { ref: 'NAT', keys: nats } },
    });
  }
}
