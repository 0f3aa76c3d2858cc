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
// Nothing is multiplied by members, so the ruleset grows linearly with ports. Every piece is
// computed on its own (a port, a group, a set: `FirewallView`), so the reconciler's keys each
// touch only theirs.
import { createHash } from 'node:crypto';
import { bridgeName, tapName } from '../../backends/linux/names.ts';
import { linkLocal, parsePrefix, setElements } from './addresses.ts';
import type { DesiredFirewall, DesiredGroup, DesiredPort, DesiredSet, FirewallInput, FirewallPort, FirewallRule, PortMap, TrackSet } from './model.ts';

export const TABLE = 'neutrino-sg';
/**
 * Mark bits the inet table sets from conntrack for the bridge chains to read. The bridge's
 * first chain clears them on every frame: a frame decapsulated from VXLAN keeps the outer
 * packet's mark, which must not pass for the inner connection's state.
 */
export const MARK_CT_PASS = 0x01000000; // a reply of an established connection, or related
export const MARK_CT_INVALID = 0x02000000;
/** Set in the bridge's first chain for packets of stateless ports: the inet table skips conntrack for them. */
export const MARK_NOTRACK = 0x04000000;

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
  set notrack-macs { type ether_addr; }
  set track-macs { type ether_addr; }
  set track-taps { type ifname; }
  chain spoof {
    type filter hook prerouting priority -300; policy accept;
    meta mark set meta mark & ${hex(~(MARK_CT_PASS | MARK_CT_INVALID | MARK_NOTRACK) >>> 0)}
    ether daddr @notrack-macs iifname != @track-taps meta mark set meta mark | ${hex(MARK_NOTRACK)}
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
    meta mark & ${hex(MARK_NOTRACK)} != 0 notrack
    meta mark & ${hex(MARK_NOTRACK)} == 0 ct zone set iifname map @zones
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
export const BASE_CHAINS = { bridge: { spoof: 3, egress: 2, ingress: 2 }, inet: { zone: 2, state: 3 } } as const;
export const BASE_MAPS = { bridge: ['spoof-ports', 'egress-ports', 'ingress-ports'], inet: ['zones'] } as const;

export const digest = (lines: string[]) => createHash('sha1').update(lines.join('\n')).digest('hex').slice(0, 10);

/** Ports whose traffic is never filtered: the network's own (DHCP, router interfaces), as Neutron trusts them. */
export function isTrusted(port: FirewallPort): boolean {
  return (port.device_owner ?? '').startsWith('network:');
}

export const remoteGroupSet = (groupId: string, family: 4 | 6) => `rg-${groupId}-${family}`;
export const addressGroupSet = (groupId: string, family: 4 | 6) => `ag-${groupId}-${family}`;
/** A set's source from its name: remote group (`rg-`) or address group (`ag-`), id and family. */
export function parseSetName(name: string): { source: 'group' | 'address'; id: string; family: 4 | 6 } | null {
  const m = /^(rg|ag)-(.+)-([46])$/.exec(name);
  return m ? { source: m[1] === 'rg' ? 'group' : 'address', id: m[2], family: Number(m[3]) as 4 | 6 } : null;
}
/** Stable names (a changed group is flushed and refilled); explain's verify finds them by the `sg-<group>-in-|out-` prefix. */
export const groupChainNames = (groupId: string) => ({ in: `sg-${groupId}-in-rules`, out: `sg-${groupId}-out-rules` });
export const portChainNames = (portId: string) => ({ spoof: `spoof-${portId}`, out: `out-${portId}`, in: `in-${portId}` });

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

/**
 * Anti-spoofing: the port sends only from its MAC/IPs and allowed address pairs; no DHCP server
 * or router advertisements. A stateless port's packets skip conntrack unless they go to a
 * stateful port of this host (whose own rules read the connection state).
 */
function spoofRules(port: FirewallPort, stateful: boolean): string[] {
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
    ...(stateful ? [] : [`ether daddr != @track-macs meta mark set meta mark | ${hex(MARK_NOTRACK)}`]),
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

/** The firewall's desired state, piece by piece, over one snapshot of the cache. */
export class FirewallView {
  readonly ports: Map<string, FirewallPort>;
  private readonly rulesByGroup = new Map<string, FirewallRule[]>();
  private readonly groupMemo = new Map<string, DesiredGroup>();

  constructor(readonly input: FirewallInput) {
    this.ports = new Map([...input.ports].map((p) => [p.id, p]));
    for (const r of input.rules) {
      const list = this.rulesByGroup.get(r.security_group_id) ?? [];
      list.push(r);
      this.rulesByGroup.set(r.security_group_id, list);
    }
  }

  /** One port: its chains, verdict-map elements and conntrack-set elements (nothing when it is not here). */
  port(id: string): DesiredPort {
    const tap = tapName(id);
    const desired: DesiredPort = { id, tap, maps: new Map(), chains: new Map(), groups: [], track: new Map() };
    const port = this.ports.get(id);
    if (!port) return desired;
    const here = isLocal(port, this.input.host);
    const open = () => {
      desired.maps.set('egress-ports', { verdict: 'accept', comment: '' });
      desired.maps.set('ingress-ports', { verdict: 'accept', comment: '' });
      return desired;
    };
    // The network's own ports are bound where their agent runs (or not at all): never filtered, never left closed.
    if (isTrusted(port) && (here || !port['binding:host_id'])) {
      if (here) desired.bridge = bridgeName(port.network_id);
      return open();
    }
    if (!here) return desired;
    desired.bridge = bridgeName(port.network_id);
    if (port.port_security_enabled === false) return open();
    desired.groups = (port.security_groups ?? []).filter((g) => this.input.groups.has(g)).sort();
    // The API keeps a port's groups all stateful or all stateless.
    const stateful = !desired.groups.some((g) => this.input.groups.get(g)!.stateful === false);
    const groupChains = desired.groups.map(groupChainNames);
    const names = portChainNames(id);
    const chains: [PortMap, string, string[]][] = [
      ['spoof-ports', names.spoof, spoofRules(port, stateful)],
      ['egress-ports', names.out, portChain(stateful, EGRESS_BASICS, groupChains.map((c) => c.out))],
      ['ingress-ports', names.in, portChain(stateful, INGRESS_BASICS, groupChains.map((c) => c.in))],
    ];
    for (const [map, name, rules] of chains) {
      desired.chains.set(name, rules);
      desired.maps.set(map, { verdict: `jump ${name}`, comment: digest(rules) });
    }
    const mac = port.mac_address.toLowerCase();
    if (stateful) {
      desired.track.set('track-macs', mac);
      desired.track.set('track-taps', tap);
    } else desired.track.set('notrack-macs', mac);
    return desired;
  }

  /** A group's chains (whether or not a local port uses it) and the address sets they name. */
  group(groupId: string): DesiredGroup {
    let group = this.groupMemo.get(groupId);
    if (group) return group;
    const sets = new Map<string, DesiredSet>();
    const useSet = (name: string, family: 4 | 6) => sets.set(name, { family, elements: new Set() });
    const rules = [...(this.rulesByGroup.get(groupId) ?? [])].sort((a, b) => a.id.localeCompare(b.id));
    const lines = { in: [] as string[], out: [] as string[] };
    for (const r of rules) {
      const text = ruleText(r, useSet);
      // The comment is the hash of the rule: a read-back compares comments, not nft's rendering.
      if (text) lines[r.direction === 'ingress' ? 'in' : 'out'].push(`${text} comment "${ruleComment(text)}"`);
    }
    const names = groupChainNames(groupId);
    for (const name of sets.keys()) sets.set(name, this.set(name)!);
    group = { chains: new Map([[names.in, lines.in], [names.out, lines.out]]), sets };
    this.groupMemo.set(groupId, group);
    return group;
  }

  /** A set's elements: the members' addresses (fixed IPs and allowed address pairs, any host) or the address group's CIDRs. */
  set(name: string): DesiredSet | null {
    const source = parseSetName(name);
    if (!source) return null;
    const values: string[] = [];
    if (source.source === 'address') values.push(...(this.input.addressGroups.get(source.id)?.addresses ?? []));
    else {
      for (const p of this.ports.values()) {
        if (!(p.security_groups ?? []).includes(source.id)) continue;
        for (const f of p.fixed_ips ?? []) values.push(f.ip_address);
        for (const pair of p.allowed_address_pairs ?? []) values.push(pair.ip_address);
      }
    }
    return { family: source.family, elements: setElements(values, source.family) };
  }

  /** Groups of the ports filtered here (without computing their chains: the set keys ask this on every member change). */
  localGroups(): Set<string> {
    const groups = new Set<string>();
    for (const p of this.ports.values()) {
      if (!isLocal(p, this.input.host) || isTrusted(p) || p.port_security_enabled === false) continue;
      for (const g of p.security_groups ?? []) if (this.input.groups.has(g)) groups.add(g);
    }
    return groups;
  }

  /** The address sets the rules of those groups name. */
  neededSets(): Set<string> {
    const names = new Set<string>();
    for (const g of this.localGroups()) for (const r of this.rulesByGroup.get(g) ?? []) ruleText(r, (name) => names.add(name));
    return names;
  }

  /** Whether a filtered local port other than `exceptId` puts this MAC in a conntrack set (MACs repeat across networks). */
  macWanted(mac: string, set: TrackSet, exceptId: string): boolean {
    for (const p of this.ports.values()) {
      if (p.id === exceptId || p.mac_address.toLowerCase() !== mac) continue;
      if (this.port(p.id).track.get(set) === mac) return true;
    }
    return false;
  }

  /** Ports with something on this host (filtered, open or trusted), by id. */
  localPorts(): DesiredPort[] {
    const out: DesiredPort[] = [];
    for (const id of [...this.ports.keys()].sort()) {
      const p = this.port(id);
      if (p.maps.size) out.push(p);
    }
    return out;
  }
}

/** The comment a group rule carries: the hash of its text. */
export const ruleComment = (text: string) => digest([text]);

/** The whole host's desired state (first build, garbage collection, tests). */
export function desiredFirewall(input: FirewallInput, view = new FirewallView(input)): DesiredFirewall {
  const desired: DesiredFirewall = { ports: new Map(), chains: new Map(), sets: new Map(), bridges: new Set(), filteredPorts: new Set() };
  const portChains = new Map<string, string[]>();
  for (const port of view.localPorts()) {
    desired.ports.set(port.id, port);
    if (port.bridge) desired.bridges.add(port.bridge);
    if (port.chains.size) desired.filteredPorts.add(port.id);
    for (const [name, rules] of port.chains) portChains.set(name, rules);
    for (const g of port.groups) {
      const group = view.group(g);
      for (const [name, rules] of group.chains) desired.chains.set(name, rules);
      for (const [name, set] of group.sets) desired.sets.set(name, set);
    }
  }
  // Group chains first: port chains jump to them.
  for (const [name, rules] of portChains) desired.chains.set(name, rules);
  return desired;
}
