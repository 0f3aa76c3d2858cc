// What the firewall reads from the agent's cache (the API's objects, only the fields used)
// and the desired state it computes from them. Pure types: no I/O here.

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

export interface FirewallRule {
  id: string;
  security_group_id: string;
  direction: 'ingress' | 'egress';
  ethertype: 'IPv4' | 'IPv6';
  protocol: string | null;
  port_range_min: number | null;
  port_range_max: number | null;
  remote_ip_prefix: string | null;
  normalized_cidr?: string | null;
  remote_group_id: string | null;
  remote_address_group_id?: string | null;
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
  /** Conntrack zones already assigned to bridges (read back from the host): kept stable. */
  zones?: Map<string, number>;
}

/** A named set of addresses (interval set): canonical CIDRs, hosts written without /32 or /128. */
export interface DesiredSet {
  family: 4 | 6;
  elements: Set<string>;
}

/**
 * The desired state of the two tables. Chains not listed as base chains are regular chains
 * whose name ends in a hash of their rules, so a changed chain is a new name: the plan adds
 * it, repoints the verdict map and deletes the old one, all in one transaction.
 */
export interface DesiredFirewall {
  /** Regular chains of the bridge table, in the order they must be created (jump targets first). */
  chains: Map<string, string[]>;
  sets: Map<string, DesiredSet>;
  /** Verdict maps of the bridge table: interface name → verdict (`jump <chain>` or `accept`). */
  spoof: Map<string, string>;
  egress: Map<string, string>;
  ingress: Map<string, string>;
  /** Conntrack zone per bridge (inet table). */
  zones: Map<string, number>;
  /** Local ports and whether they are filtered (for status and tests). */
  filteredPorts: Set<string>;
}
