// What the firewall reads from the agent's cache (the API's objects, only the fields used)
// and the desired state it computes from them. Pure types: no I/O here.
import type { SecurityGroupRuleMatch } from '../../backends/path-checks.ts';

export interface FixedIp {
  subnet_id?: string;
  ip_address: string;
}

export interface FirewallPort {
  id: string;
  network_id: string;
  mac_address: string;
  fixed_ips: FixedIp[];
  allowed_address_pairs?: { ip_address: string; mac_address?: string | null }[];
  security_groups?: string[];
  port_security_enabled?: boolean;
  device_owner?: string;
  'binding:host_id'?: string;
  'binding:vif_type'?: string;
}

export interface FirewallGroup {
  id: string;
  stateful?: boolean;
}

/** A security group rule as the API lists it: what it matches (the shape explain's verify sends too) and its group. */
export interface FirewallRule extends SecurityGroupRuleMatch {
  security_group_id: string;
  normalized_cidr?: string | null;
}

export interface FirewallAddressGroup {
  id: string;
  addresses: string[];
}

/** Everything the desired ruleset depends on. */
export interface FirewallInput {
  /** This host's name (ports bound here with vif_type tap are filtered here). */
  host: string;
  ports: Iterable<FirewallPort>;
  groups: Map<string, FirewallGroup>;
  rules: Iterable<FirewallRule>;
  addressGroups: Map<string, FirewallAddressGroup>;
}

/** A named set of addresses (interval set): canonical CIDRs, hosts written without /32 or /128. */
export interface DesiredSet {
  family: 4 | 6;
  elements: Set<string>;
}

/** A verdict-map element: the verdict, and the fingerprint of the chain it jumps to ('' for accept). */
export interface MapEntry {
  verdict: string;
  comment: string;
}

export type PortMap = 'spoof-ports' | 'egress-ports' | 'ingress-ports';
export const PORT_MAPS: readonly PortMap[] = ['spoof-ports', 'egress-ports', 'ingress-ports'];

/** Element sets of the bridge table that decide which packets skip conntrack (stateless groups). */
export type TrackSet = 'notrack-macs' | 'track-macs' | 'track-taps';
export const TRACK_SETS: readonly TrackSet[] = ['notrack-macs', 'track-macs', 'track-taps'];

/**
 * What one port needs on this host. Its chains have stable names (`spoof-`, `out-`, `in-<port>`);
 * the verdict-map element that jumps to each carries the fingerprint of its rules as its
 * comment, so a read of the three maps tells which chains are current.
 */
export interface DesiredPort {
  id: string;
  tap: string;
  /** The port's bridge when it is realized here (it needs a conntrack zone). */
  bridge?: string;
  /** Absent: no element for the tap in that map. */
  maps: Map<PortMap, MapEntry>;
  /** Its own chains, created before the map elements that jump to them. */
  chains: Map<string, string[]>;
  /** Groups whose chains its chains jump to. */
  groups: string[];
  /** Elements of the conntrack sets (MACs lower case, tap names). */
  track: Map<TrackSet, string>;
}

/** A group's two chains (each rule ends in a comment: the hash of its text) and the sets they name. */
export interface DesiredGroup {
  chains: Map<string, string[]>;
  sets: Map<string, DesiredSet>;
}

/** The whole host at once (the first build, garbage collection, unit tests). */
export interface DesiredFirewall {
  ports: Map<string, DesiredPort>;
  /** Group chains, then port chains: the order they must be created in (jump targets first). */
  chains: Map<string, string[]>;
  sets: Map<string, DesiredSet>;
  bridges: Set<string>;
  /** Local ports whose traffic is filtered (for status and tests). */
  filteredPorts: Set<string>;
}

/**
 * The firewall's tables as read back (`nft -j list chains|sets|maps`, no rules: cheap at
 * any size) and then kept up to date by every transaction applied.
 */
export interface HostState {
  /** Whether each table's fixed part (table, base chains, maps, conntrack sets) is in place. */
  base: { bridge: boolean; inet: boolean };
  /** Regular chains of the bridge table, with their handles (-1: created, handle not read yet). */
  chains: Map<string, number>;
  /** Named sets of the bridge table with their elements (address sets and the conntrack sets). */
  sets: Map<string, Set<string>>;
  maps: Map<PortMap, Map<string, MapEntry>>;
  /** Conntrack zone per bridge (inet table). */
  zones: Map<string, number>;
}
