// Neutron intent → OVN northbound rows (pure: no I/O). The translation table, as ML2/OVN
// documents it (docs/ovn.md has it as a table):
//   network            → Logical_Switch `neutron-<id>` (+ a `localnet` port `provnet-<id>` for
//                        flat/VLAN provider networks, with the VLAN id as its tag)
//   subnet (DHCP on)   → DHCP_Options (v4: router, DNS, routes, MTU, lease; v6: stateless/ful)
//   port               → Logical_Switch_Port named by the port id: addresses, port_security
//                        (+ allowed address pairs), enabled, DHCP options, requested-chassis;
//                        type `router` for router ports, `localport` for DHCP ports
//   security group     → Port_Group `pg_<id>` with its members and one ACL per rule
//   rule               → ACL (allow-related, or allow-stateless for stateless groups); remote
//                        groups through the address sets OVN derives from port groups
//                        ($pg_<id>_ip4), remote address groups through Address_Set `ag_<id>_ip4/6`
//   (drop)             → every port with port security is in `neutron_pg_drop`, whose ACLs drop the rest
//   router             → Logical_Router `neutron-<id>`, Logical_Router_Port `lrp-<port id>`
//                        per interface and gateway (Gateway_Chassis on known chassis), static
//                        routes (extra routes, default via the external gateway), NAT `snat`
//                        per internal subnet when enable_snat, NAT `dnat_and_snat` per floating IP
//
// Translation is split into UNITS: one per Neutron object (plus the drop group), each
// producing the NB rows it owns, reading what else it needs from the intent. A full
// translation is every unit; an incremental one is the units a batch of changes made dirty
// (`affectedUnits`: the changed objects and what depends on them). Both run the same unit
// functions, so they cannot disagree. To add a translation: a unit kind in UNITS (rows it
// owns) and, in DEPENDENTS, which units a change of each collection it reads makes dirty.
import ipaddr from 'ipaddr.js';
import { createHash } from 'node:crypto';
import type { Value } from '../../ovsdb/index.ts';
import type { Desired, DesiredRow } from './reconcile.ts';
import { DROP_PORT_GROUP, EXT, addressSetName, localnetPortName, portGroupName, routerName, routerPortName, switchName } from './names.ts';
import { gatewayPriorities } from './chassis.ts';
import { portForwardingBalancers } from './port-forwarding.ts';
import { METADATA_ROUTE, metadataPort, servesMetadata } from './metadata.ts';
import { DHCP_OWNER, INTENT_COLLECTIONS, Intent, ROUTER_GATEWAY, isRouterPort, isSecured, type Collection, type IntentState, type Item } from './intent.ts';

export { INTENT_COLLECTIONS, Intent, type IntentState, type Item };

export interface TranslateOptions {
  /** Chassis names gateway router ports may be scheduled on, by preference. */
  gatewayChassis: string[];
  /** DHCP lease time, seconds. */
  leaseTime: number;
}

const rev = (item: Item) => String(item.revision_number ?? 0);
const isV4 = (ip: string) => ipaddr.parse(ip).kind() === 'ipv4';
const prefixOf = (cidr: string) => Number(cidr.split('/')[1]);

/** A MAC for OVN's DHCP server on a subnet, stable across restarts (ML2/OVN keeps a random one). */
function serverMac(subnetId: string): string {
  const h = createHash('sha256').update(subnetId).digest();
  return `fa:16:3e:${[h[0], h[1], h[2]].map((b) => b.toString(16).padStart(2, '0')).join(':')}`;
}

// ------------------------------------------------------------------ units

/** A unit of translation: `<kind>:<object id>` (`drop:` for the drop group). */
export type Unit = string;
export type UnitKind = 'network' | 'subnet' | 'port' | 'security_group' | 'rule' | 'address_group' | 'router' | 'drop';
export const unit = (kind: UnitKind, id = ''): Unit => `${kind}:${id}`;

/** An NB row a unit produced: table and key. */
export type RowRef = readonly [table: string, key: string];

/** Rows produced by translating some units, with which unit produced which. */
export class Translation {
  readonly desired: Desired = new Map();
  readonly rowsByUnit = new Map<Unit, RowRef[]>();
  private current: RowRef[] = [];

  begin(u: Unit): void {
    this.current = [];
    this.rowsByUnit.set(u, this.current);
  }

  add(table: string, key: string, row: DesiredRow): void {
    let t = this.desired.get(table);
    if (!t) this.desired.set(table, (t = new Map()));
    t.set(key, row);
    this.current.push([table, key]);
  }
}

interface UnitTranslator {
  /** Every unit of this kind in the intent (a full translation). */
  ids(intent: Intent): Iterable<string>;
  /** Adds the unit's rows (none when its object is gone or not translatable). */
  translate(t: Translation, intent: Intent, id: string, options: TranslateOptions): void;
}

const UNITS: Record<UnitKind, UnitTranslator> = {
  network: { ids: (i) => i.networks.keys(), translate: translateNetwork },
  subnet: { ids: (i) => i.subnets.keys(), translate: translateSubnet },
  port: { ids: (i) => i.ports.keys(), translate: translatePort },
  security_group: { ids: (i) => i.security_groups.keys(), translate: translateSecurityGroup },
  rule: { ids: (i) => i.security_group_rules.keys(), translate: translateRule },
  address_group: { ids: (i) => i.address_groups.keys(), translate: translateAddressGroup },
  router: { ids: (i) => i.routers.keys(), translate: translateRouter },
  drop: { ids: () => [''], translate: translateDropGroup },
};

/** Every unit of the intent. */
export function* allUnits(intent: Intent): Iterable<Unit> {
  for (const [kind, u] of Object.entries(UNITS)) for (const id of u.ids(intent)) yield unit(kind as UnitKind, id);
}

/** Translates the given units. */
export function translateUnits(intent: Intent, units: Iterable<Unit>, options: TranslateOptions): Translation {
  const t = new Translation();
  for (const u of units) {
    const colon = u.indexOf(':');
    t.begin(u);
    UNITS[u.slice(0, colon) as UnitKind].translate(t, intent, u.slice(colon + 1), options);
  }
  return t;
}

/** The northbound rows that realize state (every unit). */
export function translate(state: IntentState | Intent, options: TranslateOptions): Desired {
  const intent = state instanceof Intent ? state : Intent.from(state);
  return translateUnits(intent, allUnits(intent), options).desired;
}

// ------------------------------------------------------------------ dependencies

/**
 * Which units one object's change makes dirty, given the object before (`old`, absent when
 * created) and after (`now`, absent when deleted); the intent already holds `now`. It mirrors
 * what each unit reads: a unit is dirty when anything it read may have changed.
 */
const DEPENDENTS: Record<Collection, (intent: Intent, old: Item | undefined, now: Item | undefined, out: Set<Unit>) => void> = {
  networks(intent, old, now, out) {
    const id = (now ?? old)!.id;
    out.add(unit('network', id));
    // DHCP options carry the MTU.
    for (const s of intent.subnetsByNetwork.get(id)) out.add(unit('subnet', s));
    if (!old || !now) {
      // Ports (and what holds them) are translated only on a known network.
      for (const p of intent.portsByNetwork.get(id)) {
        const port = intent.ports.get(p)!;
        DEPENDENTS.ports(intent, undefined, port, out);
      }
    } else {
      // Ports with their own DHCP options copy the subnet's.
      for (const p of intent.portsByNetwork.get(id)) if ((intent.ports.get(p)?.extra_dhcp_opts ?? []).length) out.add(unit('port', p));
    }
  },
  subnets(intent, old, now, out) {
    const id = (now ?? old)!.id;
    out.add(unit('subnet', id));
    // The network's metadata localport exists while one of its subnets serves metadata.
    if ((!!old && servesMetadata(old)) !== (!!now && servesMetadata(now))) out.add(unit('network', (now ?? old)!.network_id));
    // Ports read the prefix (neutron:cidrs) and whether DHCP is on; routers the prefix and gateway.
    for (const p of intent.portsBySubnet.get(id)) {
      out.add(unit('port', p));
      const port = intent.ports.get(p)!;
      if (isRouterPort(port)) out.add(unit('router', port.device_id));
    }
  },
  ports(intent, old, now, out) {
    const id = (now ?? old)!.id;
    out.add(unit('port', id));
    for (const p of [old, now]) {
      if (!p) continue;
      const moved = !old || !now || old.network_id !== now.network_id;
      if (moved) out.add(unit('network', p.network_id));
      const membership = moved || isSecured(old!) !== isSecured(now!) || String(old!.security_groups) !== String(now!.security_groups);
      if (membership) {
        if (isSecured(p)) out.add(unit('drop'));
        for (const sg of (p.security_groups ?? []) as string[]) out.add(unit('security_group', sg));
      }
      if (isRouterPort(p) && p.device_id) out.add(unit('router', p.device_id));
    }
  },
  security_groups(intent, old, now, out) {
    const id = (now ?? old)!.id;
    out.add(unit('security_group', id));
    // ACLs: allow-related or allow-stateless, only while the group exists.
    for (const r of intent.rulesBySg.get(id)) out.add(unit('rule', r));
  },
  security_group_rules(_intent, old, now, out) {
    out.add(unit('rule', (now ?? old)!.id));
    for (const r of [old, now]) if (r?.security_group_id) out.add(unit('security_group', r.security_group_id));
  },
  address_groups(_intent, old, now, out) {
    out.add(unit('address_group', (now ?? old)!.id));
  },
  routers(_intent, old, now, out) {
    out.add(unit('router', (now ?? old)!.id));
  },
  floatingips(_intent, old, now, out) {
    for (const f of [old, now]) if (f?.router_id) out.add(unit('router', f.router_id));
  },
};

/** Adds to out the units a change of one object makes dirty. */
export function affectedUnits(intent: Intent, collection: Collection, old: Item | undefined, now: Item | undefined, out: Set<Unit>): void {
  if (!old && !now) return;
  DEPENDENTS[collection](intent, old, now, out);
}

/** Units that read the gateway chassis (when the chassis change). */
export function gatewayUnits(intent: Intent): Unit[] {
  return [...intent.routers.keys()].map((id) => unit('router', id));
}

// ------------------------------------------------------------------ unit functions

function translateNetwork(t: Translation, intent: Intent, id: string): void {
  const network = intent.networks.get(id);
  if (!network) return;
  const portKeys = [...intent.portsByNetwork.get(id)];
  const type = network['provider:network_type'];
  if (type === 'flat' || type === 'vlan') {
    const name = localnetPortName(network.id);
    const tag = type === 'vlan' && network['provider:segmentation_id'] != null ? [Number(network['provider:segmentation_id'])] : [];
    t.add('Logical_Switch_Port', name, {
      columns: { name, type: 'localnet', addresses: ['unknown'], options: { network_name: String(network['provider:physical_network'] ?? '') }, tag, external_ids: { [EXT.networkName]: switchName(network.id) } },
    });
    portKeys.push(name);
  }
  if ([...intent.subnetsByNetwork.get(id)].some((s) => servesMetadata(intent.subnets.get(s)!))) {
    const meta = metadataPort(network);
    t.add('Logical_Switch_Port', meta.key, meta.row);
    portKeys.push(meta.key);
  }
  const ls = switchName(network.id);
  t.add('Logical_Switch', ls, {
    columns: {
      name: ls,
      external_ids: { [EXT.networkName]: String(network.name ?? ''), [EXT.revision]: rev(network), 'neutron:mtu': String(network.mtu ?? 1500) },
      other_config: { mcast_snoop: 'false', mcast_flood_unregistered: 'false' },
    },
    refs: { ports: { ref: 'Logical_Switch_Port', keys: portKeys } },
  });
}

/** Whether a subnet has a DHCP_Options row (keyed by its id). */
function hasDhcp(intent: Intent, subnetId: string): boolean {
  const subnet = intent.subnets.get(subnetId);
  if (!subnet || !subnet.enable_dhcp || !intent.networks.has(subnet.network_id)) return false;
  return subnet.ip_version === 4 || subnet.ipv6_address_mode === 'dhcpv6-stateful' || subnet.ipv6_address_mode === 'dhcpv6-stateless';
}

function subnetDhcp(intent: Intent, subnetId: string, options: TranslateOptions): DesiredRow | null {
  if (!hasDhcp(intent, subnetId)) return null;
  const subnet = intent.subnets.get(subnetId)!;
  return dhcpOptions(subnet, intent.networks.get(subnet.network_id)!, options);
}

function translateSubnet(t: Translation, intent: Intent, id: string, options: TranslateOptions): void {
  const row = subnetDhcp(intent, id, options);
  if (row) t.add('DHCP_Options', id, row);
}

function translatePort(t: Translation, intent: Intent, id: string, options: TranslateOptions): void {
  const port = intent.ports.get(id);
  if (!port) return;
  const network = intent.networks.get(port.network_id);
  if (!network) return;
  t.add('Logical_Switch_Port', port.id, switchPort(t, port, network, intent, options));
}

function translateSecurityGroup(t: Translation, intent: Intent, id: string): void {
  const sg = intent.security_groups.get(id);
  if (!sg) return;
  const pg = portGroupName(sg.id);
  const members: string[] = [];
  for (const p of intent.membersBySg.get(id)) if (intent.networks.has(intent.ports.get(p)!.network_id)) members.push(p);
  const acls: string[] = [];
  for (const r of intent.rulesBySg.get(id)) if (ruleAcl(intent.security_group_rules.get(r)!, pg, true)) acls.push(r);
  t.add('Port_Group', pg, {
    columns: { name: pg, external_ids: { [EXT.sgId]: sg.id, [EXT.revision]: rev(sg) } },
    refs: { ports: { ref: 'Logical_Switch_Port', keys: members }, acls: { ref: 'ACL', keys: acls } },
  });
}

function translateRule(t: Translation, intent: Intent, id: string): void {
  const rule = intent.security_group_rules.get(id);
  const sg = rule && intent.security_groups.get(rule.security_group_id);
  if (!rule || !sg) return;
  const acl = ruleAcl(rule, portGroupName(sg.id), sg.stateful !== false);
  if (acl) t.add('ACL', rule.id, acl);
}

function translateDropGroup(t: Translation, intent: Intent): void {
  const dropAcls: string[] = [];
  for (const direction of ['from-lport', 'to-lport'] as const) {
    const key = `drop-${direction}`;
    const match = `${direction === 'from-lport' ? 'inport' : 'outport'} == @${DROP_PORT_GROUP} && ip`;
    t.add('ACL', key, { columns: { direction, priority: 1001, match, action: 'drop', name: [], external_ids: { [EXT.defaultAcl]: key } } });
    dropAcls.push(key);
  }
  const members: string[] = [];
  for (const p of intent.securedPorts) if (intent.networks.has(intent.ports.get(p)!.network_id)) members.push(p);
  t.add('Port_Group', DROP_PORT_GROUP, { columns: { name: DROP_PORT_GROUP, external_ids: {} }, refs: { ports: { ref: 'Logical_Switch_Port', keys: members }, acls: { ref: 'ACL', keys: dropAcls } } });
}

function translateAddressGroup(t: Translation, intent: Intent, id: string): void {
  const group = intent.address_groups.get(id);
  if (!group) return;
  for (const version of [4, 6] as const) {
    const addresses = (group.addresses ?? []).filter((a: string) => (version === 4) === isV4(a.split('/')[0]));
    const name = addressSetName(group.id, version);
    t.add('Address_Set', name, { columns: { name, addresses, external_ids: { [EXT.addressGroupId]: group.id, [EXT.revision]: rev(group) } } });
  }
}

function switchPort(t: Translation, port: Item, network: Item, intent: Intent, options: TranslateOptions): DesiredRow {
  const fixed = ((port.fixed_ips ?? []) as Item[]).filter((f) => f.ip_address);
  const ips = fixed.map((f) => f.ip_address as string);
  const cidrs = fixed.map((f) => {
    const subnet = intent.subnets.get(f.subnet_id);
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
  if (isSecured(port)) {
    const pairs = ((port.allowed_address_pairs ?? []) as Item[]).map((p) => `${p.mac_address ?? port.mac_address} ${p.ip_address}`);
    columns.port_security = [macAndIps, ...pairs];
  } else {
    addresses.push('unknown');
  }
  columns.addresses = addresses;
  if (port['binding:host_id']) columns.options = { 'requested-chassis': String(port['binding:host_id']) };
  // DHCP: the options of the port's first subnet per IP version with DHCP on.
  for (const version of [4, 6] as const) {
    const f = fixed.find((x) => hasDhcp(intent, x.subnet_id) && isV4(x.ip_address) === (version === 4));
    if (!f) continue;
    const extra = ((port.extra_dhcp_opts ?? []) as Item[]).filter((o) => Number(o.ip_version ?? 4) === version);
    const col = version === 4 ? 'dhcpv4_options' : 'dhcpv6_options';
    if (extra.length) {
      // Port-specific options: the subnet's plus the port's (ML2/OVN's per-port DHCP_Options row).
      const key = `${f.subnet_id}/${port.id}`;
      const base = subnetDhcp(intent, f.subnet_id, options)!.columns;
      const opts: Record<string, string> = { ...(base.options as Record<string, string>) };
      for (const o of extra) opts[DHCP_OPT_NAMES[o.opt_name] ?? String(o.opt_name).replace(/-/g, '_')] = String(o.opt_value);
      t.add('DHCP_Options', key, { columns: { cidr: base.cidr, options: opts, external_ids: { ...(base.external_ids as Record<string, string>), [EXT.portId]: port.id } } });
      refs[col] = { ref: 'DHCP_Options', keys: [key] };
    } else {
      refs[col] = { ref: 'DHCP_Options', keys: [f.subnet_id] };
    }
  }
  return { columns, refs };
}

function translateRouter(t: Translation, intent: Intent, id: string, options: TranslateOptions): void {
  const router = intent.routers.get(id);
  if (!router) return;
  const lr = routerName(router.id);
  const ports: string[] = [];
  const routes: string[] = [];
  const nats: string[] = [];
  let gatewayV4: string | null = null;
  const internalV4: string[] = [];
  for (const portId of intent.portsByRouter.get(id)) {
    const port = intent.ports.get(portId)!;
    if (!intent.networks.has(port.network_id)) continue;
    const lrp = routerPortName(port.id);
    const networks = ((port.fixed_ips ?? []) as Item[])
      .filter((f) => f.ip_address && intent.subnets.has(f.subnet_id))
      .map((f) => `${f.ip_address}/${prefixOf(intent.subnets.get(f.subnet_id)!.cidr)}`);
    const gateway = port.device_owner === ROUTER_GATEWAY;
    const refs: DesiredRow['refs'] = {};
    if (gateway) {
      const chassis = gatewayPriorities(options.gatewayChassis, router.id).map((name, i) => {
        const key = `${lrp}_${name}`;
        t.add('Gateway_Chassis', key, { columns: { name: key, chassis_name: name, priority: options.gatewayChassis.length - i, external_ids: {} } });
        return key;
      });
      refs.gateway_chassis = { ref: 'Gateway_Chassis', keys: chassis };
      for (const f of (port.fixed_ips ?? []) as Item[]) {
        const subnet = intent.subnets.get(f.subnet_id);
        if (!subnet || !isV4(f.ip_address)) continue;
        gatewayV4 ??= f.ip_address;
        if (subnet.gateway_ip) {
          const key = `${router.id}|0.0.0.0/0|${subnet.gateway_ip}`;
          t.add('Logical_Router_Static_Route', key, { columns: { ip_prefix: '0.0.0.0/0', nexthop: subnet.gateway_ip, external_ids: { [EXT.key]: key, [EXT.isExtGw]: 'true', [EXT.subnetId]: subnet.id } } });
          routes.push(key);
        }
      }
    } else {
      for (const f of (port.fixed_ips ?? []) as Item[]) {
        const subnet = intent.subnets.get(f.subnet_id);
        if (subnet && isV4(f.ip_address)) internalV4.push(subnet.cidr);
      }
    }
    t.add('Logical_Router_Port', lrp, {
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
    t.add('Logical_Router_Static_Route', key, { columns: { ip_prefix: route.destination, nexthop: route.nexthop, external_ids: { [EXT.key]: key } } });
    routes.push(key);
  }
  const enableSnat = router.external_gateway_info?.enable_snat !== false;
  if (gatewayV4 && enableSnat) {
    for (const cidr of internalV4) {
      const key = `snat|${router.id}|${cidr}`;
      t.add('NAT', key, { columns: { type: 'snat', external_ip: gatewayV4, logical_ip: cidr, external_ids: { [EXT.key]: key, [EXT.routerName]: lr } } });
      nats.push(key);
    }
  }
  const balancers: string[] = [];
  if (gatewayV4) {
    for (const fipId of intent.fipsByRouter.get(id)) {
      const fip = intent.floatingips.get(fipId)!;
      // Port forwardings: load balancers on the router (port-forwarding.ts).
      for (const lb of portForwardingBalancers(fip, id)) {
        t.add('Load_Balancer', lb.key, lb.row);
        balancers.push(lb.key);
      }
      if (!fip.port_id || !fip.fixed_ip_address) continue;
      t.add('NAT', fip.id, {
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
  t.add('Logical_Router', lr, {
    columns: { name: lr, enabled: router.admin_state_up !== false, external_ids: { [EXT.routerName]: String(router.name ?? ''), [EXT.revision]: rev(router) } },
    refs: { ports: { ref: 'Logical_Router_Port', keys: ports }, static_routes: { ref: 'Logical_Router_Static_Route', keys: routes }, nat: { ref: 'NAT', keys: nats }, load_balancer: { ref: 'Load_Balancer', keys: balancers } },
  });
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
    const routes = [...((subnet.host_routes ?? []) as Item[]).map((r) => `${r.destination},${r.nexthop}`), METADATA_ROUTE];
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
