// The checks explain's verify sends to a backend, in API terms: the contract between the
// server (src/extensions/reachability/verify.ts builds them, the drivers route them) and the
// host agents that answer them over HTTP (src/agent/verify/). Types only, so the agent may
// import it (see .dependency-cruiser.cjs, agent-is-a-client).

/** What a security group rule matches, in API terms (the reachability snapshot's rules are these). */
export interface SecurityGroupRuleMatch {
  id: string;
  direction: 'ingress' | 'egress';
  ethertype: 'IPv4' | 'IPv6';
  protocol: string | null;
  port_range_min: number | null;
  port_range_max: number | null;
  remote_ip_prefix: string | null;
  remote_group_id: string | null;
  remote_address_group_id: string | null;
}

/** One element of a path, in API terms, that a backend checks in its dataplane. */
export interface PathCheck {
  /** `f3`: forward hop 3; `r1`: return hop 1 (the hop in the explanation it checks); `f3.group`: its remote group's set. */
  id: string;
  kind:
    | 'port_filtered' // the port's traffic is filtered (port security on): it has its own chains
    | 'port_unfiltered' // port security off: the port's traffic passes unfiltered
    | 'security_group_rule' // the rule admitting the packet is realized for the port
    | 'remote_group_member' // the peer's address is in the remote group's address set
    | 'address_group_member' // the peer's address is covered by the address group's set
    | 'router_interface' // the router's device for a port exists, is up and holds its address
    | 'route' // the router forwards the destination through the expected device / next hop
    | 'snat' // traffic from `address` leaves the gateway with source `translated`
    | 'dnat' // traffic to `address` (+ protocol/port) is sent on to `translated`
    | 'path'; // the whole path, as a backend's own trace follows one packet (ovn-trace)
  /** The host realizing it (linux: the binding host of the port, or of the router's ports). */
  host?: string;
  port_id?: string;
  router_id?: string;
  direction?: 'ingress' | 'egress';
  security_group_id?: string;
  /** The security group rule (security_group_rule). */
  rule?: SecurityGroupRuleMatch;
  /** remote/address group id (…_member). */
  group_id?: string;
  /** The address the check is about: the peer (members), the interface address, the route's destination, the NAT's match. */
  address?: string;
  /** route: the port whose device the packet leaves through; gateway: through the router's external gateway. */
  via_port_id?: string;
  nexthop?: string;
  /** NAT: the translated address (and port for a port forwarding). */
  translated?: string;
  protocol?: string;
  port?: number;
  translated_port?: number;
  /** What intent says, in words (shown next to what the dataplane has). */
  intent: string;
}
