// What the reachability engine reads: the resources around one source and one destination,
// as plain data (no database, no context), each marked with whether the caller may see it.
// The loader (loader.ts) builds it through the services; tests build it by hand.
import type { SecurityGroupRuleMatch } from '../../backends/driver.ts';

export type Protocol = 'tcp' | 'udp' | 'icmp' | 'any';

/** Every object the caller might or might not see carries these. */
export interface Visible {
  id: string;
  name: string;
  project_id: string | null;
  /** The caller may see the object (its policy's get_<member> and project scope). */
  visible: boolean;
}

export interface SnapPort extends Visible {
  network_id: string;
  admin_state_up: boolean;
  device_owner: string;
  device_id: string;
  fixed_ips: { subnet_id: string; ip_address: string }[];
  allowed_address_pairs: { ip_address: string; mac_address?: string }[];
  port_security_enabled: boolean;
  security_groups: string[];
}

export interface SnapNetwork extends Visible {
  admin_state_up: boolean;
  router_external: boolean;
}

export interface SnapSubnet extends Visible {
  network_id: string;
  cidr: string;
  ip_version: number;
  gateway_ip: string | null;
  host_routes: { destination: string; nexthop: string }[];
}

export interface SnapRouterInterface {
  port_id: string;
  network_id: string;
  subnet_id: string;
  ip_address: string;
}

export interface SnapRouter extends Visible {
  admin_state_up: boolean;
  enable_snat: boolean;
  /** Internal interfaces (router_ports other than the gateway), one per fixed IP. */
  interfaces: SnapRouterInterface[];
  /** The external gateway: its network, its port and that port's fixed IPs. */
  gateway: { network_id: string; port_id: string; fixed_ips: { subnet_id: string; ip_address: string }[] } | null;
  routes: { destination: string; nexthop: string }[];
}

export interface SnapPortForwarding {
  id: string;
  protocol: string;
  external_port: number;
  internal_port: number;
  internal_ip_address: string;
  internal_port_id: string;
}

export interface SnapFloatingIp extends Visible {
  floating_ip_address: string;
  floating_network_id: string;
  fixed_port_id: string | null;
  fixed_ip_address: string | null;
  router_id: string | null;
  port_forwardings: SnapPortForwarding[];
}

/** A rule as the engine reads it: what it matches (the same shape backends verify). */
export type SnapRule = SecurityGroupRuleMatch;

export interface SnapGroup extends Visible {
  stateful: boolean;
  rules: SnapRule[];
}

export interface SnapAddressGroup extends Visible {
  addresses: string[];
}

/** Where the traffic starts: a port (with the address it sends from) or an address outside the cloud. */
export type SnapSource = { port_id: string; ip_address: string } | { ip_address: string };
/** Where it goes: a port (and which of its addresses) or an address (fixed, floating or external). */
export type SnapDestination = { port_id: string; ip_address: string } | { ip_address: string };

export interface Snapshot {
  source: SnapSource;
  destination: SnapDestination;
  ports: Map<string, SnapPort>;
  networks: Map<string, SnapNetwork>;
  subnets: Map<string, SnapSubnet>;
  routers: Map<string, SnapRouter>;
  floatingIps: SnapFloatingIp[];
  groups: Map<string, SnapGroup>;
  addressGroups: Map<string, SnapAddressGroup>;
  /**
   * address → the security groups that have a port holding it as a fixed IP (what a rule's
   * remote_group_id matches, as Neutron's per-group address sets do, whatever the network).
   */
  groupMembers: Map<string, Set<string>>;
}

export interface TrafficSpec {
  protocol: Protocol;
  /** TCP/UDP destination port; ICMP type (default 8, echo request). */
  port?: number;
}
