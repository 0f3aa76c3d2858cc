// The desired firewall of one host, computed from the cache (pure; see ARCHITECTURE.md,
// "How a security group is realized"). Two tables:
//
//   inet neutrino-sg   conntrack for bridged traffic (bridge-nf-call-iptables=1): a zone per
//                      bridge, and the connection state exported as packet-mark bits, because
//                      the bridge family has no `ct` expression on this kernel
//   bridge neutrino-sg per port: anti-spoofing (prerouting, before conntrack), egress (prerouting,
//                      after conntrack), ingress (forward, after br_netfilter's FORWARD hook);
//                      each dispatched by a verdict map keyed by the tap, into one chain per port
//                      that jumps to one chain per security group; remote groups and address
//                      groups are named sets with one element per member address.
//
// Rule count: (a few per port) + (one per group rule); set elements: one per member address.
// Nothing is multiplied by members, so the ruleset grows linearly with ports.
import { createHash } from 'node:crypto';
import { bridgeName, tapName } from '../../backends/linux/names.ts';
import { linkLocal, parsePrefix, setElements } from './addresses.ts';
import type { DesiredFirewall, FirewallInput, FirewallPort, FirewallRule } from './model.ts';

export const TABLE = 'neutrino-sg';
/**
 * Mark bits the inet table sets from conntrack for the bridge chains to read. The bridge's
 * first chain clears them on every frame: a frame decapsulated from VXLAN keeps the outer
 * packet's mark, which must not pass for the inner connection's state.
 */
export const MARK_CT_PASS = 0x01000000; // a reply of an established connection, or related
export const MARK_CT_INVALID = 0x02000000;

const hex = (n: number) => `0x${n.toString(16).padStart(8, '0')}`;

/** Neutron's protocol names (the API stores names lower case, or numbers as strings). */
const PROTOCOL_NUMBERS: Record<string, number> = {
  ah: 51, dccp: 33, egp: 8, esp: 50, gre: 47, hopopt: 0, icmp: 1, igmp: 2, ip: 0, ipip: 4, 'ipv6-encap': 41, 'ipv6-frag': 44,
  'ipv6-icmp': 58, icmpv6: 58, 'ipv6-nonxt': 59, 'ipv6-opts': 60, 'ipv6-route': 43, ospf: 89, pgm: 113, rsvp: 46, sctp: 132,
  tcp: 6, udp: 17, udplite: 136, vrrp: 112,
};
/** Protocols with ports (a rule's range is the destination port), by the name nft knows them. */
const PORT_PROTOCOLS: Record<number, string> = { 6: 'tcp', 17: 'udp', 33: 'dccp', 132: 'sctp', 136: 'udplite' };

/** ICMPv6 a port may always send and receive: router solicitation/advertisement (in only), neighbour discovery, MLD. */
const ICMPV6_OUT = '{ 130, 131, 132, 133, 135, 136, 143 }';
const ICMPV6_IN = '{ 130, 131, 132, 134, 135, 136, 143 }';

const L3 = { 4: { ether: 'ether type ip', ip: 'ip' }, 6: { ether: 'ether type ip6', ip: 'ip6' } } as const;

/** The static part: tables, base chains, verdict maps. Created once, recreated when damaged. */
export function baseRuleset(): { bridge: string; inet: string } {
  return {
    bridge: `table bridge ${TABLE} {
  map spoof-ports { type ifname : verdict; }
  map egress-ports { type ifname : verdict; }
  map ingress-ports { type ifname : verdict; }
  chain spoof {
    type filter hook prerouting priority -300; policy accept;
    meta mark set meta mark & ${hex(~(MARK_CT_PASS | MARK_CT_INVALID) >>> 0)}
    iifname vmap @spoof-ports
  }
  chain egress {
    type filter hook prerouting priority 100; policy accept;
    iifname vmap @egress-ports
    iifname "tap*" drop
  }
  chain ingress {
    type filter hook forward priority 100; policy accept;
    oifname vmap @ingress-ports
    oifname "tap*" drop
  }
}
`,
    inet: `table inet ${TABLE} {
  map zones { typeof iifname : ct zone; }
  chain zone {
    type filter hook prerouting priority -300; policy accept;
    ct zone set iifname map @zones
  }
  chain state {
    type filter hook prerouting priority -150; policy accept;
    ct state invalid meta mark set meta mark | ${hex(MARK_CT_INVALID)}
    ct state related meta mark set meta mark | ${hex(MARK_CT_PASS)}
    ct state established ct direction reply meta mark set meta mark | ${hex(MARK_CT_PASS)}
  }
}
`,
  };
}

/** Rules per base chain (what a read-back must find to trust the base structure). */
export const BASE_CHAINS = { bridge: { spoof: 2, egress: 2, ingress: 2 }, inet: { zone: 1, state: 3 } } as const;
export const BASE_MAPS = { bridge: ['spoof-ports', 'egress-ports', 'ingress-ports'], inet: ['zones'] } as const;

const digest = (lines: string[]) => createHash('sha1').update(lines.join('\n')).digest('hex').slice(0, 10);

/** Ports whose traffic is never filtered: the network's own (DHCP, router interfaces), as Neutron trusts them. */
export function isTrusted(port: FirewallPort): boolean {
  return (port.device_owner ?? '').startsWith('network:');
}

export const remoteGroupSet = (groupId: string, family: 4 | 6) => `rg-${groupId}-${family}`;
export const addressGroupSet = (groupId: string, family: 4 | 6) => `ag-${groupId}-${family}`;

function protocolNumber(protocol: string | null): number | null {
  if (protocol === null || protocol === undefined || protocol === 'any') return null;
  return PROTOCOL_NUMBERS[protocol.toLowerCase()] ?? Number(protocol);
}

/** One group rule as an nft rule (ending in accept), or null when it can match nothing. */
export function ruleText(rule: FirewallRule, useSet: (name: string, family: 4 | 6, source: 'group' | 'address', id: string) => void): string | null {
  const family: 4 | 6 = rule.ethertype === 'IPv6' ? 6 : 4;
  const l3 = L3[family];
  const parts: string[] = [l3.ether];
  const remote = `${l3.ip} ${rule.direction === 'ingress' ? 'saddr' : 'daddr'}`;
  const prefix = rule.normalized_cidr ?? rule.remote_ip_prefix;
  if (prefix) {
    const p = parsePrefix(prefix);
    if (!p || p.family !== family) return null;
    if (p.length > 0) parts.push(`${remote} ${p.text}`);
  }
  if (rule.remote_group_id) {
    const name = remoteGroupSet(rule.remote_group_id, family);
    useSet(name, family, 'group', rule.remote_group_id);
    parts.push(`${remote} @${name}`);
  }
  if (rule.remote_address_group_id) {
    const name = addressGroupSet(rule.remote_address_group_id, family);
    useSet(name, family, 'address', rule.remote_address_group_id);
    parts.push(`${remote} @${name}`);
  }
  let proto = protocolNumber(rule.protocol);
  if (proto === 1 && family === 6) proto = 58; // Neutron: "icmp" in an IPv6 rule means ICMPv6
  if (proto !== null && Number.isInteger(proto)) {
    parts.push(`meta l4proto ${proto}`);
    const min = rule.port_range_min;
    const max = rule.port_range_max;
    if (PORT_PROTOCOLS[proto] && min !== null && min !== undefined) {
      const hi = max ?? min;
      parts.push(`${PORT_PROTOCOLS[proto]} dport ${hi === min ? min : `${min}-${hi}`}`);
    } else if (proto === (family === 4 ? 1 : 58)) {
      const icmp = family === 4 ? 'icmp' : 'icmpv6';
      if (min !== null && min !== undefined) parts.push(`${icmp} type ${min}`);
      if (min !== null && min !== undefined && max !== null && max !== undefined) parts.push(`${icmp} code ${max}`);
    }
  }
  parts.push('accept');
  return parts.join(' ');
}

/** Anti-spoofing: the port sends only from its MAC/IPs and allowed address pairs; no DHCP server or router advertisements. */
function spoofRules(port: FirewallPort): string[] {
  const byMac = new Map<string, string[]>();
  const add = (mac: string, ip: string) => {
    const list = byMac.get(mac.toLowerCase()) ?? [];
    list.push(ip);
    byMac.set(mac.toLowerCase(), list);
  };
  for (const f of port.fixed_ips ?? []) add(port.mac_address, f.ip_address);
  for (const pair of port.allowed_address_pairs ?? []) add(pair.mac_address || port.mac_address, pair.ip_address);
  if (!byMac.has(port.mac_address.toLowerCase())) byMac.set(port.mac_address.toLowerCase(), []);
  const rules = [
    'ether type ip meta l4proto udp udp sport 67 udp dport 68 drop',
    'ether type ip6 meta l4proto udp udp sport 547 udp dport 546 drop',
    'ether type ip6 meta l4proto 58 icmpv6 type { 134, 137 } drop',
    // DHCP discovery and IPv6 duplicate address detection come from the unspecified address.
    'ether type ip ip saddr 0.0.0.0 ip daddr 255.255.255.255 meta l4proto udp udp sport 68 udp dport 67 return',
    'ether type ip6 ip6 saddr :: meta l4proto 58 return',
  ];
  for (const [mac, ips] of [...byMac].sort()) {
    const v4 = [...setElements(ips, 4)].sort();
    const v6 = [...setElements([...ips, linkLocal(mac)], 6)].sort();
    rules.push(`ether saddr ${mac} ether type arp arp saddr ether ${mac} arp saddr ip { ${['0.0.0.0', ...v4].join(', ')} } return`);
    if (v4.length) rules.push(`ether saddr ${mac} ether type ip ip saddr { ${v4.join(', ')} } return`);
    rules.push(`ether saddr ${mac} ether type ip6 ip6 saddr { ${v6.join(', ')} } return`);
  }
  rules.push('drop');
  return rules;
}

function portChain(stateful: boolean, basics: string[], groupChains: string[]): string[] {
  return [
    ...(stateful ? [`meta mark & ${hex(MARK_CT_INVALID)} != 0 drop`, `meta mark & ${hex(MARK_CT_PASS)} != 0 accept`] : []),
    'ether type arp accept',
    ...basics,
    ...groupChains.map((c) => `jump ${c}`),
    'drop',
  ];
}

const EGRESS_BASICS = [
  'ether type ip meta l4proto udp udp sport 68 udp dport 67 accept',
  'ether type ip6 meta l4proto udp udp sport 546 udp dport 547 accept',
  `ether type ip6 meta l4proto 58 icmpv6 type ${ICMPV6_OUT} accept`,
];
const INGRESS_BASICS = [
  'ether type ip meta l4proto udp udp sport 67 udp dport 68 accept',
  'ether type ip6 meta l4proto udp udp sport 547 udp dport 546 accept',
  `ether type ip6 meta l4proto 58 icmpv6 type ${ICMPV6_IN} accept`,
];

/** Whether a port is realized on this host (the L2 code's rule: bound here, vif_type tap). */
export function isLocal(port: FirewallPort, host: string): boolean {
  return port['binding:host_id'] === host && port['binding:vif_type'] === 'tap';
}

export function desiredFirewall(input: FirewallInput): DesiredFirewall {
  const ports = [...input.ports];
  const rulesByGroup = new Map<string, FirewallRule[]>();
  for (const r of input.rules) {
    const list = rulesByGroup.get(r.security_group_id) ?? [];
    list.push(r);
    rulesByGroup.set(r.security_group_id, list);
  }
  const sets = new Map<string, { family: 4 | 6; source: 'group' | 'address'; id: string }>();
  const useSet = (name: string, family: 4 | 6, source: 'group' | 'address', id: string) => sets.set(name, { family, source, id });

  const groupChains = new Map<string, string[]>();
  const portChains = new Map<string, string[]>();
  const chainOfGroup = new Map<string, { in: string; out: string }>();
  const groupChain = (groupId: string) => {
    let names = chainOfGroup.get(groupId);
    if (names) return names;
    const rules = [...(rulesByGroup.get(groupId) ?? [])].sort((a, b) => a.id.localeCompare(b.id));
    const lines = { in: [] as string[], out: [] as string[] };
    for (const r of rules) {
      const text = ruleText(r, useSet);
      if (text) lines[r.direction === 'ingress' ? 'in' : 'out'].push(text);
    }
    names = { in: `sg-${groupId}-in-${digest(lines.in)}`, out: `sg-${groupId}-out-${digest(lines.out)}` };
    groupChains.set(names.in, lines.in);
    groupChains.set(names.out, lines.out);
    chainOfGroup.set(groupId, names);
    return names;
  };

  const desired: DesiredFirewall = { chains: new Map(), sets: new Map(), spoof: new Map(), egress: new Map(), ingress: new Map(), zones: new Map(), filteredPorts: new Set() };
  const bridges = new Set<string>();
  for (const port of ports.sort((a, b) => a.id.localeCompare(b.id))) {
    const tap = tapName(port.id);
    const here = isLocal(port, input.host);
    // The network's own ports are bound where their agent runs (or not at all): never filtered, never left closed.
    if (isTrusted(port) && (here || !port['binding:host_id'])) {
      desired.egress.set(tap, 'accept');
      desired.ingress.set(tap, 'accept');
      if (here) bridges.add(bridgeName(port.network_id));
      continue;
    }
    if (!here) continue;
    bridges.add(bridgeName(port.network_id));
    if (port.port_security_enabled === false) {
      desired.egress.set(tap, 'accept');
      desired.ingress.set(tap, 'accept');
      continue;
    }
    const groups = (port.security_groups ?? []).filter((g) => input.groups.has(g)).sort();
    // The API keeps a port's groups all stateful or all stateless.
    const stateful = !groups.some((g) => input.groups.get(g)!.stateful === false);
    const chains = groups.map(groupChain);
    const spoof = spoofRules(port);
    const egress = portChain(stateful, EGRESS_BASICS, chains.map((c) => c.out));
    const ingress = portChain(stateful, INGRESS_BASICS, chains.map((c) => c.in));
    const names = { spoof: `spoof-${port.id}-${digest(spoof)}`, out: `out-${port.id}-${digest(egress)}`, in: `in-${port.id}-${digest(ingress)}` };
    portChains.set(names.spoof, spoof);
    portChains.set(names.out, egress);
    portChains.set(names.in, ingress);
    desired.spoof.set(tap, `jump ${names.spoof}`);
    desired.egress.set(tap, `jump ${names.out}`);
    desired.ingress.set(tap, `jump ${names.in}`);
    desired.filteredPorts.add(port.id);
  }
  // Group chains first: port chains jump to them.
  for (const [name, lines] of groupChains) desired.chains.set(name, lines);
  for (const [name, lines] of portChains) desired.chains.set(name, lines);

  // Sets: the members' addresses (fixed IPs and allowed address pairs) of each remote group; an address group's CIDRs.
  const members = new Map<string, string[]>();
  for (const { source, id } of sets.values()) if (source === 'group') members.set(id, []);
  if (members.size) {
    for (const p of ports) {
      for (const g of p.security_groups ?? []) {
        const list = members.get(g);
        if (!list) continue;
        for (const f of p.fixed_ips ?? []) list.push(f.ip_address);
        for (const pair of p.allowed_address_pairs ?? []) list.push(pair.ip_address);
      }
    }
  }
  for (const [name, { family, source, id }] of [...sets].sort(([a], [b]) => a.localeCompare(b))) {
    const values = source === 'group' ? (members.get(id) ?? []) : (input.addressGroups.get(id)?.addresses ?? []);
    desired.sets.set(name, { family, elements: setElements(values, family) });
  }

  // Conntrack zones: one per bridge with local ports, kept once assigned.
  const taken = new Set<number>();
  for (const [bridge, zone] of input.zones ?? []) {
    if (bridges.has(bridge)) {
      desired.zones.set(bridge, zone);
      taken.add(zone);
    }
  }
  let next = 1;
  for (const bridge of [...bridges].sort()) {
    if (desired.zones.has(bridge)) continue;
    while (taken.has(next)) next++;
    desired.zones.set(bridge, next);
    taken.add(next);
  }
  return desired;
}
