// The reachability engine: given a snapshot of the resources around a source and a
// destination (snapshot.ts) and the traffic (protocol, port), it follows one packet the way
// Neutron's intent says it travels — source port (admin state, anti-spoofing, allowed
// address pairs, egress rules), network, subnet gateway or host route, router (connected
// route, extra route, gateway), NAT (SNAT to a floating IP or the gateway address, floating
// IP DNAT, port forwarding), destination network and port (ingress rules) — and then the
// replies (stateful groups: connection tracking; stateful=false groups: explicit rules).
// Pure: no database, no context, no clock, so it is unit-tested and fast. What the caller
// may not see is named generically (no id, name or address of it in the answer).
import { cidrContains, parseCidr, versionOf, ipToBig } from '../ipam/address.ts';
import { protocolNumber } from '../securitygroups/rule-values.ts';
import type { SnapFloatingIp, SnapGroup, SnapNetwork, SnapPort, SnapRouter, SnapRule, SnapSubnet, Snapshot, TrafficSpec, Visible } from './snapshot.ts';

export type HopKind =
  | 'source_port'
  | 'external_source'
  | 'anti_spoofing'
  | 'egress_rule'
  | 'network'
  | 'subnet_gateway'
  | 'router'
  | 'route'
  | 'router_interface'
  | 'nat'
  | 'floating_ip'
  | 'port_forwarding'
  | 'external'
  | 'destination_port'
  | 'ingress_rule'
  | 'return';

/** An API object on the path: its id and name, or only a generic label when the caller may not see it. */
export interface Ref {
  type: string;
  id?: string;
  name?: string;
  label?: string;
}

export interface Hop {
  kind: HopKind;
  /** The packet passes this element. */
  ok: boolean;
  detail: string;
  resource?: Ref;
  /** The security group rule that admits it (visible rules only). */
  rule_id?: string;
}

export type Verdict = 'reachable' | 'not_reachable' | 'unknown';

export interface Explanation {
  verdict: Verdict;
  reachable: boolean;
  forward: Hop[];
  return: Hop[];
  /** The element that stops the traffic (a forward or return hop), when not reachable. */
  blocked_by: { direction: 'forward' | 'return'; kind: HopKind; resource?: Ref; reason: string } | null;
  /** The smallest change that would open the path, in API terms. */
  suggestion: string | null;
  /** Why the verdict is unknown (the path leaves what Neutron describes). */
  note?: string;
}

/** The Linux default ephemeral port range: what a reply's destination port falls in. */
const EPHEMERAL = { min: 32768, max: 60999 };
const ECHO_REPLY: Record<number, number> = { 8: 0, 128: 129 };
/** The ICMP code of the packets the engine follows (echo request and reply: 0). */
const ICMP_CODE = 0;
const MAX_ROUTERS = 8;

interface Packet {
  src: string;
  dst: string;
  version: 4 | 6;
  protocol: TrafficSpec['protocol'];
  /** TCP/UDP destination port or ICMP type. */
  port?: number;
}

class Blocked extends Error {
  constructor(
    readonly hop: Hop,
    readonly suggestion: string | null,
  ) {
    super(hop.detail);
  }
}

class Undetermined extends Error {}

const contains = (cidr: string, address: string): boolean => {
  if (versionOf(cidr.split('/')[0]) !== versionOf(address)) return false;
  return cidrContains(parseCidr(cidr), ipToBig(address));
};
const prefixLength = (cidr: string): number => parseCidr(cidr).prefixlen;
const sameAddress = (a: string, b: string): boolean => versionOf(a) === versionOf(b) && ipToBig(a) === ipToBig(b);

/** An object as the answer names it. */
function ref(type: string, o: Visible): Ref {
  return o.visible ? { type, id: o.id, name: o.name } : { type, label: `a ${type.replace(/_/g, ' ')} you cannot see` };
}

/** An object in a sentence: `router "r1" (id)` or `a router you cannot see`. */
function named(type: string, o: Visible): string {
  const words = type.replace(/_/g, ' ');
  if (!o.visible) return `a ${words} you cannot see`;
  return o.name ? `${words} "${o.name}" (${o.id})` : `${words} ${o.id}`;
}

/** How a suggestion names a group: by name when it has one, else by id. */
const groupWord = (g: SnapGroup) => (g.name ? `group ${g.name}` : `group ${g.id}`);

function trafficText(p: { protocol: string; port?: number }): string {
  if (p.protocol === 'any') return 'any protocol';
  if (p.protocol === 'icmp') return p.port === undefined ? 'icmp' : `icmp type ${p.port}`;
  // A reply's destination port is the client's ephemeral port.
  return p.port === undefined ? `${p.protocol} to an ephemeral port` : `${p.protocol}/${p.port}`;
}

/** The protocol number a packet carries (IPv6's ICMP is 58). */
function packetProtocol(p: Packet): number | null {
  if (p.protocol === 'any') return null;
  if (p.protocol === 'icmp') return p.version === 6 ? 58 : 1;
  return p.protocol === 'tcp' ? 6 : 17;
}

export class ReachabilityEngine {
  private forwardHops: Hop[] = [];
  private returnHops: Hop[] = [];
  /** Routers whose gateway the packet left through without SNAT (replies need a route back). */
  private unnatted: SnapRouter[] = [];
  /** The packet's source as it left the source port (the address replies go back to). */
  private sourceSubnet: SnapSubnet | undefined;
  private routersSeen = 0;
  /** Fixed IPs of ports the caller may not see (other than the addresses it asked about): never written out. */
  private readonly hidden = new Set<string>();

  constructor(
    private readonly s: Snapshot,
    private readonly traffic: TrafficSpec,
  ) {
    for (const p of s.ports.values()) if (!p.visible) for (const ip of p.fixed_ips) this.hidden.add(ip.ip_address);
    this.hidden.delete(s.source.ip_address);
    this.hidden.delete(s.destination.ip_address);
  }

  /** An address as the answer may write it. */
  private addr(address: string): string {
    return this.hidden.has(address) ? 'a private address' : address;
  }

  explain(): Explanation {
    const { s } = this;
    const dst = s.destination.ip_address;
    const packet: Packet = { src: s.source.ip_address, dst, version: versionOf(dst), protocol: this.traffic.protocol, port: this.traffic.port };
    if (this.traffic.protocol === 'icmp' && packet.port === undefined) packet.port = packet.version === 6 ? 128 : 8;
    try {
      const delivered = this.forward(packet);
      this.checkReturn(packet, delivered);
      if (this.unnatted.length) {
        const r = this.unnatted[0];
        const note = `${named('router', r)} forwards without SNAT (enable_snat false): replies to ${this.addr(packet.src)} come back only if the external network routes that address to the router's gateway, which Neutron does not describe`;
        this.returnHops.push({ kind: 'return', ok: true, detail: note, resource: ref('router', r) });
        return this.answer('unknown', null, null, note);
      }
      return this.answer('reachable', null, null);
    } catch (err) {
      if (err instanceof Blocked) return this.answer('not_reachable', err.hop, err.suggestion);
      if (err instanceof Undetermined) return this.answer('unknown', null, null, err.message);
      throw err;
    }
  }

  private answer(verdict: Verdict, blocked: Hop | null, suggestion: string | null, note?: string): Explanation {
    const direction = blocked && this.returnHops.includes(blocked) ? 'return' : 'forward';
    return {
      verdict,
      reachable: verdict === 'reachable',
      forward: this.forwardHops,
      return: this.returnHops,
      blocked_by: blocked ? { direction, kind: blocked.kind, resource: blocked.resource, reason: blocked.detail } : null,
      suggestion,
      ...(note ? { note } : {}),
    };
  }

  private hop(h: Hop): void {
    this.forwardHops.push(h);
  }

  private block(h: Hop, suggestion: string | null, into: Hop[] = this.forwardHops): never {
    into.push({ ...h, ok: false });
    throw new Blocked(into[into.length - 1], suggestion);
  }

  // ------------------------------------------------------------------ forward

  /** Follows the packet to its destination port (or out of the cloud: undefined). */
  private forward(packet: Packet): SnapPort | undefined {
    const source = this.s.source;
    if ('port_id' in source) {
      const port = this.port(source.port_id);
      this.leavePort(port, packet);
      const network = this.network(port.network_id);
      return this.onNetwork(network, packet, { fromPort: port });
    }
    return this.fromOutside(packet);
  }

  /** The source port: admin state, anti-spoofing (fixed IPs, allowed address pairs), egress rules. */
  private leavePort(port: SnapPort, packet: Packet): void {
    const portRef = ref('port', port);
    if (!port.admin_state_up) {
      this.block({ kind: 'source_port', ok: false, resource: portRef, detail: `${named('port', port)} is administratively down (admin_state_up false)` }, port.visible ? `set admin_state_up true on port ${port.id}` : null);
    }
    this.hop({ kind: 'source_port', ok: true, resource: portRef, detail: `leaves ${named('port', port)} from ${this.addr(packet.src)}` });
    const fixed = port.fixed_ips.find((ip) => sameAddress(ip.ip_address, packet.src));
    this.sourceSubnet = fixed ? this.s.subnets.get(fixed.subnet_id) : undefined;
    if (!port.port_security_enabled) {
      this.hop({ kind: 'anti_spoofing', ok: true, resource: portRef, detail: 'port security disabled (port_security_enabled false): no anti-spoofing, no security groups' });
      return;
    }
    if (fixed) {
      this.hop({ kind: 'anti_spoofing', ok: true, resource: portRef, detail: `${this.addr(packet.src)} is a fixed IP of the port` });
    } else {
      const pair = port.allowed_address_pairs.find((p) => contains(p.ip_address.includes('/') ? p.ip_address : `${p.ip_address}/${versionOf(p.ip_address) === 4 ? 32 : 128}`, packet.src));
      if (!pair) {
        this.block(
          { kind: 'anti_spoofing', ok: false, resource: portRef, detail: `anti-spoofing drops ${this.addr(packet.src)}: it is neither a fixed IP of the port nor in its allowed_address_pairs` },
          port.visible ? `add {"ip_address": "${this.addr(packet.src)}"} to allowed_address_pairs of port ${port.id}` : null,
        );
      }
      this.hop({ kind: 'anti_spoofing', ok: true, resource: portRef, detail: `${this.addr(packet.src)} is allowed by the allowed address pair ${pair.ip_address}` });
    }
    this.filter(port, 'egress', packet, this.forwardHops);
  }

  /** Traffic from an address outside the cloud enters through an external network. */
  private fromOutside(packet: Packet): SnapPort | undefined {
    const { s } = this;
    this.hop({ kind: 'external_source', ok: true, detail: `from ${this.addr(packet.src)}, outside the cloud` });
    const dst = s.destination;
    if ('port_id' in dst) {
      const port = this.port(dst.port_id);
      const network = this.network(port.network_id);
      if (network.router_external) return this.onNetwork(network, packet, {});
      const fip = s.floatingIps.find((f) => f.fixed_port_id === port.id && f.fixed_ip_address !== null && sameAddress(f.fixed_ip_address, packet.dst));
      if (!fip) {
        this.block(
          { kind: 'destination_port', ok: false, resource: ref('port', port), detail: `${named('port', port)} has only private addresses and no floating IP: it is not reachable from outside` },
          port.visible ? `associate a floating IP with port ${port.id} (openstack floating ip create --port ${port.id} EXTERNAL_NETWORK)` : null,
        );
      }
      this.hop({ kind: 'floating_ip', ok: true, resource: ref('floatingip', fip), detail: `the port is reached through ${named('floating IP', fip)}${fip.visible ? ` ${fip.floating_ip_address}` : ''}` });
      packet.dst = fip.floating_ip_address;
      return this.onNetwork(this.network(fip.floating_network_id), packet, {});
    }
    const fip = s.floatingIps.find((f) => sameAddress(f.floating_ip_address, packet.dst));
    if (fip) return this.onNetwork(this.network(fip.floating_network_id), packet, {});
    const external = [...s.subnets.values()].find((sub) => s.networks.get(sub.network_id)?.router_external && contains(sub.cidr, packet.dst));
    if (external) return this.onNetwork(this.network(external.network_id), packet, {});
    const holder = this.holderAnywhere(packet.dst);
    this.block(
      { kind: 'external', ok: false, resource: holder ? ref('port', holder) : undefined, detail: `${this.addr(packet.dst)} is neither a floating IP nor on an external network: no route leads to it from outside` },
      holder?.visible ? `associate a floating IP with port ${holder.id} and use its address` : null,
    );
  }

  /**
   * The packet on a network's L2 domain: delivered to the port holding the destination when
   * it is on-link, else handed to the sender's gateway (or a host route's next hop).
   */
  private onNetwork(network: SnapNetwork, packet: Packet, from: { fromPort?: SnapPort; fromRouter?: SnapRouter }): SnapPort | undefined {
    const netRef = ref('network', network);
    if (!network.admin_state_up) {
      this.block({ kind: 'network', ok: false, resource: netRef, detail: `${named('network', network)} is administratively down (admin_state_up false)` }, network.visible ? `set admin_state_up true on network ${network.id}` : null);
    }
    this.hop({ kind: 'network', ok: true, resource: netRef, detail: `on ${named('network', network)}` });
    const subnets = this.subnetsOf(network.id, packet.version);
    const onLink = subnets.find((sub) => contains(sub.cidr, packet.dst));
    if (onLink) {
      const fip = this.s.floatingIps.find((f) => f.floating_network_id === network.id && sameAddress(f.floating_ip_address, packet.dst));
      if (fip) return this.throughFloatingIp(fip, packet);
      const gatewayOf = [...this.s.routers.values()].find((r) => r.gateway?.network_id === network.id && r.gateway.fixed_ips.some((ip) => sameAddress(ip.ip_address, packet.dst)));
      if (gatewayOf) throw new Undetermined(`${this.addr(packet.dst)} is the gateway address of ${named('router', gatewayOf)}: traffic to the router itself is not analysed`);
      const holder = this.holderOn(network.id, packet.dst);
      // On an external network, an address no port holds is a host outside the cloud (its
      // subnet's gateway, an upstream server): the packet leaves the cloud to it.
      if (!holder && network.router_external) return this.leaveCloud(network, packet, 'to');
      if (!holder) {
        this.block({ kind: 'network', ok: false, resource: netRef, detail: `no port on ${named('network', network)} holds ${this.addr(packet.dst)}` }, null);
      }
      if (this.isRouterPort(holder)) throw new Undetermined(`${this.addr(packet.dst)} is an interface address of a router: traffic to the router itself is not analysed`);
      return this.arrive(holder, packet);
    }
    if (from.fromRouter) {
      // A router forwarded it here for an address off this network's subnets: only through an extra route.
      throw new Undetermined(`${named('router', from.fromRouter)} sends ${this.addr(packet.dst)} onto ${named('network', network)}, where no subnet holds it`);
    }
    if (network.router_external && !from.fromPort) return this.leaveCloud(network, packet, 'towards');
    // The sender's next hop: a host route of its subnet, or the subnet's gateway.
    const subnet = this.sourceSubnet && this.sourceSubnet.network_id === network.id ? this.sourceSubnet : subnets[0];
    if (!subnet) this.block({ kind: 'network', ok: false, resource: netRef, detail: `${named('network', network)} has no IPv${packet.version} subnet` }, null);
    const hostRoute = subnet.host_routes.filter((r) => contains(r.destination, packet.dst)).sort((a, b) => prefixLength(b.destination) - prefixLength(a.destination))[0];
    const nexthop = hostRoute?.nexthop ?? subnet.gateway_ip;
    const subnetRef = ref('subnet', subnet);
    if (!nexthop) {
      this.block({ kind: 'subnet_gateway', ok: false, resource: subnetRef, detail: `${this.addr(packet.dst)} is off-link and ${named('subnet', subnet)} has no gateway_ip` }, subnet.visible ? `set a gateway_ip on subnet ${subnet.id} and add the subnet to a router` : null);
    }
    const how = hostRoute ? `host route ${hostRoute.destination} via ${nexthop}` : `gateway ${nexthop}`;
    const router = [...this.s.routers.values()].find((r) => r.interfaces.some((i) => i.network_id === network.id && sameAddress(i.ip_address, nexthop)));
    if (!router) {
      const holder = this.holderOn(network.id, nexthop);
      if (holder) throw new Undetermined(`${named('subnet', subnet)} sends ${this.addr(packet.dst)} to ${how}, held by ${named('port', holder)} (an instance, not a Neutron router): what it forwards is not described by Neutron`);
      if (network.router_external) return this.leaveCloud(network, packet, `via ${how} towards`);
      this.block(
        { kind: 'subnet_gateway', ok: false, resource: subnetRef, detail: `${this.addr(packet.dst)} is off-link; ${named('subnet', subnet)} sends it to ${how}, but no router has that address on the network` },
        subnet.visible ? `add subnet ${subnet.id} to a router (openstack router add subnet ROUTER ${subnet.id})` : null,
      );
    }
    const iface = router.interfaces.find((i) => i.network_id === network.id && sameAddress(i.ip_address, nexthop))!;
    this.hop({ kind: 'subnet_gateway', ok: true, resource: subnetRef, detail: `${this.addr(packet.dst)} is off-link: ${how}` });
    this.hop({ kind: 'router_interface', ok: true, resource: this.interfaceRef(router, iface), detail: `enters ${named('router', router)} through its interface ${router.visible ? nexthop : ''}`.trimEnd() });
    return this.route(router, packet);
  }

  /**
   * The packet leaves through an external network to an address no subnet there holds. When a
   * port of the cloud holds that address (a private address of another network), the
   * traffic does not reach it: it goes out instead.
   */
  private leaveCloud(network: SnapNetwork, packet: Packet, how: string): undefined {
    const netRef = ref('network', network);
    // Only a port the caller can see is named: another project's addresses stay unknown.
    const held = this.holderAnywhere(packet.dst);
    const wanted = 'port_id' in this.s.destination ? this.s.ports.get(this.s.destination.port_id) : held?.visible ? held : undefined;
    if (wanted) {
      const fip = this.s.floatingIps.find((f) => f.fixed_port_id === wanted.id && f.visible);
      this.block(
        { kind: 'external', ok: false, resource: netRef, detail: `${this.addr(packet.dst)} is a private address of ${named('port', wanted)} on a network no router on the path connects: the traffic leaves the cloud through ${named('network', network)} instead` },
        wanted.visible ? (fip ? `address the port through its floating IP ${fip.floating_ip_address}` : `connect the port's subnet to the source's router (openstack router add subnet ROUTER SUBNET), or associate a floating IP with port ${wanted.id}`) : null,
      );
    }
    this.hop({ kind: 'external', ok: true, resource: netRef, detail: `leaves the cloud through ${named('network', network)} ${how} ${this.addr(packet.dst)}; beyond it Neutron describes nothing` });
    return undefined;
  }

  /** A router's forwarding decision: the longest prefix among connected subnets, extra routes and the gateway. */
  private route(router: SnapRouter, packet: Packet): SnapPort | undefined {
    if (++this.routersSeen > MAX_ROUTERS) throw new Undetermined('the path crosses more routers than the engine follows (a routing loop?)');
    const routerRef = ref('router', router);
    if (!router.admin_state_up) {
      this.block({ kind: 'router', ok: false, resource: routerRef, detail: `${named('router', router)} is administratively down (admin_state_up false)` }, router.visible ? `set admin_state_up true on router ${router.id}` : null);
    }
    type Choice = { prefix: number; kind: 'connected' | 'extra' | 'gateway'; text: string; network_id?: string; nexthop?: string; viaGateway: boolean; iface?: Ref };
    const choices: Choice[] = [];
    for (const i of router.interfaces) {
      const sub = this.s.subnets.get(i.subnet_id);
      if (sub && contains(sub.cidr, packet.dst)) choices.push({ prefix: prefixLength(sub.cidr), kind: 'connected', text: `connected ${router.visible ? sub.cidr : 'subnet'}`, network_id: i.network_id, viaGateway: false, iface: this.interfaceRef(router, i) });
    }
    for (const r of router.routes) if (contains(r.destination, packet.dst)) choices.push({ prefix: prefixLength(r.destination), kind: 'extra', text: `extra route ${router.visible ? `${r.destination} via ${r.nexthop}` : ''}`.trimEnd(), nexthop: r.nexthop, viaGateway: false });
    if (router.gateway) {
      for (const ip of router.gateway.fixed_ips) {
        const sub = this.s.subnets.get(ip.subnet_id);
        if (sub && contains(sub.cidr, packet.dst)) choices.push({ prefix: prefixLength(sub.cidr), kind: 'connected', text: `connected ${router.visible ? sub.cidr : 'subnet'} (external gateway)`, network_id: router.gateway.network_id, viaGateway: true });
        if (sub && sub.ip_version === packet.version) choices.push({ prefix: 0, kind: 'gateway', text: `default route via the external gateway${router.visible && sub.gateway_ip ? ` (next hop ${sub.gateway_ip})` : ''}`, network_id: router.gateway.network_id, viaGateway: true });
      }
    }
    const best = choices.sort((a, b) => b.prefix - a.prefix || (a.kind === 'connected' ? -1 : 1))[0];
    if (!best) {
      this.block(
        { kind: 'route', ok: false, resource: routerRef, detail: `${named('router', router)} has no route to ${this.addr(packet.dst)} (no connected subnet, no extra route${router.gateway ? '' : ', no external gateway'})` },
        router.visible ? (router.gateway ? `add an extra route for ${this.addr(packet.dst)} to router ${router.id}` : `set an external gateway on router ${router.id} (openstack router set --external-gateway EXTERNAL_NETWORK ${router.id})`) : null,
      );
    }
    this.hop({ kind: 'route', ok: true, resource: routerRef, detail: `${named('router', router)} routes ${this.addr(packet.dst)} by ${best.text}` });
    if (best.kind === 'extra') return this.extraRoute(router, best.nexthop!, packet);
    if (best.viaGateway) {
      // A floating IP of this same router is DNATed by it (hairpin): the packet never leaves
      // through the gateway (see snat()).
      const hairpin = this.s.floatingIps.find((f) => f.router_id === router.id && sameAddress(f.floating_ip_address, packet.dst));
      this.snat(router, packet, hairpin);
      const network = this.network(best.network_id!);
      return this.onNetwork(network, packet, {});
    }
    this.hop({ kind: 'router_interface', ok: true, resource: best.iface, detail: `leaves ${named('router', router)} through its interface on the destination subnet` });
    return this.onNetwork(this.network(best.network_id!), packet, { fromRouter: router });
  }

  /** An extra route's next hop: another router's interface (followed), or an instance (unknown beyond it). */
  private extraRoute(router: SnapRouter, nexthop: string, packet: Packet): SnapPort | undefined {
    const iface = router.interfaces.find((i) => {
      const sub = this.s.subnets.get(i.subnet_id);
      return sub && contains(sub.cidr, nexthop);
    });
    if (!iface) {
      this.block({ kind: 'route', ok: false, resource: ref('router', router), detail: `the next hop ${router.visible ? nexthop : ''} of the extra route is on none of the router's subnets`.replace('  ', ' ') }, null);
    }
    const next = [...this.s.routers.values()].find((r) => r !== router && r.interfaces.some((i) => i.network_id === iface.network_id && sameAddress(i.ip_address, nexthop)));
    if (next) {
      this.hop({ kind: 'router_interface', ok: true, resource: this.interfaceRef(next, next.interfaces.find((i) => sameAddress(i.ip_address, nexthop))!), detail: `handed to ${named('router', next)} (the extra route's next hop)` });
      return this.route(next, packet);
    }
    const holder = this.holderOn(iface.network_id, nexthop);
    if (!holder) {
      this.block({ kind: 'route', ok: false, resource: ref('router', router), detail: `no port holds the next hop ${router.visible ? nexthop : ''} of the extra route`.replace('  ', ' ') }, router.visible ? `remove the extra route or give a port the address ${nexthop}` : null);
    }
    throw new Undetermined(`the extra route hands ${this.addr(packet.dst)} to ${named('port', holder)} (an instance acting as a router): what it forwards is not described by Neutron`);
  }

  /** Leaving through the gateway: SNAT to the source's floating IP, or to the gateway address when enable_snat. */
  private snat(router: SnapRouter, packet: Packet, hairpin?: SnapFloatingIp): void {
    const routerRef = ref('router', router);
    const fip = this.s.floatingIps.find((f) => f.router_id === router.id && f.fixed_ip_address !== null && sameAddress(f.fixed_ip_address, packet.src) && f.port_forwardings.length === 0);
    if (fip) {
      this.hop({ kind: 'nat', ok: true, resource: ref('floatingip', fip), detail: `SNAT: the source becomes the floating IP ${fip.visible ? fip.floating_ip_address : ''} of ${named('router', router)}`.replace('  ', ' ') });
      packet.src = fip.floating_ip_address;
      return;
    }
    // Hairpin: Neutron's L3 agent SNATs DNATed traffic that did not enter through the gateway
    // to the gateway address whatever enable_snat says, so the replies come back through the
    // router (also from the floating IP port's own network); the Linux agent does the same.
    if (router.enable_snat || hairpin) {
      const gw = router.gateway!.fixed_ips.find((ip) => versionOf(ip.ip_address) === packet.version);
      if (gw && packet.version === 4) {
        const why = hairpin ? `to its own floating IP ${hairpin.visible ? hairpin.floating_ip_address : ''}, which it DNATs (hairpin)`.replace('  ', ' ') : '(enable_snat true)';
        this.hop({ kind: 'nat', ok: true, resource: routerRef, detail: `SNAT to the gateway IP${router.visible ? ` ${gw.ip_address}` : ''} of ${named('router', router)} ${why}` });
        packet.src = gw.ip_address;
        return;
      }
    }
    this.hop({ kind: 'nat', ok: true, resource: routerRef, detail: packet.version === 6 ? 'no NAT (IPv6 is routed)' : `no SNAT: ${named('router', router)} has enable_snat false; the source address ${this.addr(packet.src)} is kept` });
    if (packet.version === 4) this.unnatted.push(router);
  }

  /** A floating IP on its external network: DNAT to its port, or to a port forwarding's socket. */
  private throughFloatingIp(fip: SnapFloatingIp, packet: Packet): SnapPort | undefined {
    const fipRef = ref('floatingip', fip);
    const fipName = named('floating IP', fip) + (fip.visible ? ` ${fip.floating_ip_address}` : '');
    if (fip.port_forwardings.length) {
      const forwarding = fip.port_forwardings.find((pf) => pf.protocol === packet.protocol && pf.external_port === packet.port);
      if (!forwarding) {
        this.block(
          { kind: 'port_forwarding', ok: false, resource: fipRef, detail: `${fipName} forwards ports, none for ${trafficText(packet)}` },
          fip.visible ? `add a port forwarding ${packet.protocol} ${packet.port ?? ''} → INTERNAL_PORT on floating IP ${fip.id} (openstack floating ip port forwarding create --protocol ${packet.protocol} --external-protocol-port ${packet.port} --internal-ip-address ADDRESS --port PORT --internal-protocol-port PORT ${fip.floating_ip_address})` : null,
        );
      }
      this.hop({ kind: 'port_forwarding', ok: true, resource: fip.visible ? { type: 'port_forwarding', id: forwarding.id } : fipRef, detail: fip.visible ? `port forwarding ${forwarding.protocol} ${forwarding.external_port} → ${forwarding.internal_ip_address}:${forwarding.internal_port}` : `a port forwarding of ${fipName}` });
      packet.dst = forwarding.internal_ip_address;
      packet.port = forwarding.internal_port;
    } else {
      if (!fip.fixed_port_id || !fip.fixed_ip_address) {
        this.block({ kind: 'floating_ip', ok: false, resource: fipRef, detail: `${fipName} is not associated with any port` }, fip.visible ? `associate floating IP ${fip.id} with the port (openstack floating ip set --port PORT ${fip.floating_ip_address})` : null);
      }
      const visibleTarget = this.s.ports.get(fip.fixed_port_id)?.visible ?? false;
      this.hop({ kind: 'nat', ok: true, resource: fipRef, detail: `DNAT: ${fipName} → ${visibleTarget ? fip.fixed_ip_address : 'a fixed IP of a port you cannot see'}` });
      packet.dst = fip.fixed_ip_address;
    }
    const router = fip.router_id ? this.s.routers.get(fip.router_id) : undefined;
    if (!router) this.block({ kind: 'floating_ip', ok: false, resource: fipRef, detail: `${fipName} has no router` }, null);
    this.hop({ kind: 'router_interface', ok: true, resource: ref('router', router), detail: `enters ${named('router', router)} through its external gateway` });
    return this.route(router, packet);
  }

  /** The destination port: admin state, then its ingress rules. */
  private arrive(port: SnapPort, packet: Packet): SnapPort {
    const portRef = ref('port', port);
    const expected = this.s.destination;
    if ('port_id' in expected && expected.port_id !== port.id) {
      this.block({ kind: 'destination_port', ok: false, resource: portRef, detail: `the traffic reaches ${named('port', port)}, not the destination port` }, null);
    }
    if (!port.admin_state_up) {
      this.block({ kind: 'destination_port', ok: false, resource: portRef, detail: `${named('port', port)} is administratively down (admin_state_up false)` }, port.visible ? `set admin_state_up true on port ${port.id}` : null);
    }
    this.hop({ kind: 'destination_port', ok: true, resource: portRef, detail: `arrives at ${named('port', port)}${port.visible ? ` (${this.addr(packet.dst)})` : ''}` });
    if (!port.port_security_enabled) {
      this.hop({ kind: 'ingress_rule', ok: true, resource: portRef, detail: 'port security disabled (port_security_enabled false): no security groups filter it' });
      return port;
    }
    this.filter(port, 'ingress', packet, this.forwardHops);
    return port;
  }

  // ------------------------------------------------------------------ security groups

  /**
   * A port's security groups on one direction: the first rule that admits the packet, or the
   * default deny. `peer` is the other end's address as the port sees it.
   */
  private filter(port: SnapPort, direction: 'ingress' | 'egress', packet: Packet, into: Hop[], reply = false): void {
    const kind = direction === 'ingress' ? 'ingress_rule' : 'egress_rule';
    const peer = direction === 'ingress' ? packet.src : packet.dst;
    const groups = port.security_groups.map((id) => this.s.groups.get(id)).filter((g): g is SnapGroup => !!g);
    if (groups.length === 0) {
      into.push({ kind, ok: false, resource: ref('port', port), detail: `${named('port', port)} has port security enabled and no security group: everything is dropped` });
      throw new Blocked(into[into.length - 1], port.visible ? `add a security group to port ${port.id}, or disable its port security` : null);
    }
    for (const g of groups) {
      const rule = g.rules.find((r) => this.ruleAdmits(r, direction, packet, peer));
      if (rule) {
        into.push({
          kind,
          ok: true,
          resource: ref('security_group', g),
          ...(g.visible ? { rule_id: rule.id } : {}),
          detail: g.visible ? `${direction} rule ${rule.id} of ${named('security group', g)} admits ${trafficText(packet)} ${direction === 'ingress' ? 'from' : 'to'} ${this.addr(peer)}${this.remoteText(rule)}` : `a rule of ${named('security group', g)} admits it`,
        });
        return;
      }
    }
    const g = groups[0];
    const words = reply ? `the reply (${trafficText(packet)}) ${direction === 'ingress' ? 'from' : 'to'} ${this.addr(peer)}` : `${trafficText(packet)} ${direction === 'ingress' ? 'from' : 'to'} ${this.addr(peer)}`;
    into.push({ kind, ok: false, resource: ref('security_group', g), detail: `no ${direction} rule of ${groups.length === 1 ? named('security group', g) : `the port's ${groups.length} security groups`} admits ${words}: dropped by the default deny` });
    throw new Blocked(into[into.length - 1], g.visible ? this.ruleSuggestion(g, direction, packet, peer, reply) : `the owner of the destination's security groups would have to admit ${words}`);
  }

  private remoteText(rule: SnapRule): string {
    if (rule.remote_group_id) {
      const g = this.s.groups.get(rule.remote_group_id);
      return g && g.visible ? ` (remote group ${g.name || g.id})` : ' (a remote group)';
    }
    if (rule.remote_address_group_id) {
      const ag = this.s.addressGroups.get(rule.remote_address_group_id);
      return ag && ag.visible ? ` (address group ${ag.name || ag.id})` : ' (an address group)';
    }
    return rule.remote_ip_prefix ? ` (${rule.remote_ip_prefix})` : '';
  }

  private ruleAdmits(rule: SnapRule, direction: 'ingress' | 'egress', packet: Packet, peer: string): boolean {
    if (rule.direction !== direction || rule.ethertype !== `IPv${packet.version}`) return false;
    const wanted = packetProtocol(packet);
    const proto = protocolNumber(rule.protocol === 'icmp' && packet.version === 6 ? 'ipv6-icmp' : rule.protocol);
    if (proto !== null && proto !== wanted) return false;
    if (proto !== null && rule.port_range_min !== null) {
      if (packet.protocol === 'icmp') {
        // port_range_max is the ICMP code: the packets asked about (echo request, echo reply,
        // or a type given as port) carry code 0, so a rule for another code does not admit them.
        if (packet.port === undefined || rule.port_range_min !== packet.port) return false;
        if (rule.port_range_max !== null && rule.port_range_max !== ICMP_CODE) return false;
      } else if (packet.port === undefined) {
        // A reply's destination port: any ephemeral port, so the range must cover them all.
        if (rule.port_range_min > EPHEMERAL.min || (rule.port_range_max ?? rule.port_range_min) < EPHEMERAL.max) return false;
      } else if (packet.port < rule.port_range_min || packet.port > (rule.port_range_max ?? rule.port_range_min)) {
        return false;
      }
    }
    if (rule.remote_ip_prefix && !contains(rule.remote_ip_prefix.includes('/') ? rule.remote_ip_prefix : `${rule.remote_ip_prefix}/${packet.version === 4 ? 32 : 128}`, peer)) return false;
    if (rule.remote_group_id && !this.s.groupMembers.get(peer)?.has(rule.remote_group_id)) return false;
    if (rule.remote_address_group_id) {
      const ag = this.s.addressGroups.get(rule.remote_address_group_id);
      if (!ag || !ag.addresses.some((a) => contains(a.includes('/') ? a : `${a}/${packet.version === 4 ? 32 : 128}`, peer))) return false;
    }
    return true;
  }

  /** "add an ingress rule tcp/443 from 10.0.0.0/24 to group web". */
  private ruleSuggestion(g: SnapGroup, direction: 'ingress' | 'egress', packet: Packet, peer: string, reply: boolean): string {
    const sourceCidr = this.sourceSubnet && contains(this.sourceSubnet.cidr, peer) && this.sourceSubnet.visible ? this.sourceSubnet.cidr : `${this.addr(peer)}/${packet.version === 4 ? 32 : 128}`;
    const what = packet.protocol === 'any' ? 'for any protocol' : reply ? packet.protocol : trafficText(packet);
    const cli = [`openstack security group rule create --${direction} --ethertype IPv${packet.version}`];
    if (packet.protocol !== 'any') cli.push(`--protocol ${packet.protocol}`);
    if (!reply && packet.port !== undefined && packet.protocol !== 'icmp' && packet.protocol !== 'any') cli.push(`--dst-port ${packet.port}`);
    if (!reply && packet.port !== undefined && packet.protocol === 'icmp') cli.push(`--icmp-type ${packet.port}`);
    cli.push(`--remote-ip ${sourceCidr} ${g.id}`);
    const why = reply ? ` (its groups are stateful=false: replies need their own rule)` : '';
    return `add an ${direction} rule ${what} ${direction === 'ingress' ? 'from' : 'to'} ${sourceCidr} to ${groupWord(g)}${why} (${cli.join(' ')})`;
  }

  // ------------------------------------------------------------------ return direction

  /** The replies: conntrack for stateful groups and NAT; explicit rules for stateful=false groups. */
  private checkReturn(request: Packet, delivered: SnapPort | undefined): void {
    const reply: Packet = { src: request.dst, dst: request.src, version: request.version, protocol: request.protocol, port: undefined };
    if (request.protocol === 'icmp') reply.port = request.port !== undefined ? ECHO_REPLY[request.port] : undefined;
    const ends: [SnapPort | undefined, 'egress' | 'ingress', Packet][] = [];
    if (delivered) ends.push([delivered, 'egress', reply]);
    const source = this.s.source;
    if ('port_id' in source) {
      // At the source port the reply comes from the destination as the source addressed it, to the source's own address.
      ends.push([this.s.ports.get(source.port_id), 'ingress', { ...reply, src: this.s.destination.ip_address, dst: source.ip_address }]);
    }
    for (const [port, direction, packet] of ends) {
      if (!port) continue;
      if (!port.port_security_enabled) {
        this.returnHops.push({ kind: 'return', ok: true, resource: ref('port', port), detail: `${named('port', port)} has port security disabled: replies pass unfiltered` });
        continue;
      }
      const groups = port.security_groups.map((id) => this.s.groups.get(id)).filter((g): g is SnapGroup => !!g);
      if (groups.every((g) => g.stateful)) {
        this.returnHops.push({ kind: 'return', ok: true, resource: ref('port', port), detail: `replies ${direction === 'egress' ? 'leave' : 'reach'} ${named('port', port)} as part of the connection (stateful security groups)` });
        continue;
      }
      this.filter(port, direction, packet, this.returnHops, true);
    }
    if (this.forwardHops.some((h) => h.kind === 'nat' && !h.detail.startsWith('no '))) {
      this.returnHops.push({ kind: 'return', ok: true, detail: 'the router reverses its NAT for the replies (connection tracking)' });
    }
  }

  // ------------------------------------------------------------------ lookups

  private port(id: string): SnapPort {
    const p = this.s.ports.get(id);
    if (!p) throw new Undetermined(`port ${id} is missing from the snapshot`);
    return p;
  }

  private network(id: string): SnapNetwork {
    const n = this.s.networks.get(id);
    if (!n) throw new Undetermined('a network on the path is missing from the snapshot');
    return n;
  }

  private subnetsOf(networkId: string, version: number): SnapSubnet[] {
    return [...this.s.subnets.values()].filter((sub) => sub.network_id === networkId && sub.ip_version === version);
  }

  private interfaceRef(router: SnapRouter, iface: { port_id: string }): Ref {
    const port = this.s.ports.get(iface.port_id);
    return port && port.visible && router.visible ? { type: 'port', id: port.id, name: port.name } : ref('router', router);
  }

  private isRouterPort(port: SnapPort): boolean {
    return port.device_owner.startsWith('network:router') || port.device_owner === 'network:floatingip';
  }

  /** The port on a network that holds an address (fixed IP first, then an allowed address pair). */
  private holderOn(networkId: string, address: string): SnapPort | undefined {
    const onNet = [...this.s.ports.values()].filter((p) => p.network_id === networkId);
    return (
      onNet.find((p) => p.fixed_ips.some((ip) => sameAddress(ip.ip_address, address))) ??
      onNet.find((p) => p.allowed_address_pairs.some((pair) => contains(pair.ip_address.includes('/') ? pair.ip_address : `${pair.ip_address}/${versionOf(pair.ip_address) === 4 ? 32 : 128}`, address)))
    );
  }

  private holderAnywhere(address: string): SnapPort | undefined {
    return [...this.s.ports.values()].find((p) => !this.isRouterPort(p) && p.fixed_ips.some((ip) => sameAddress(ip.ip_address, address)));
  }
}

/** Explains whether the traffic gets from the snapshot's source to its destination. */
export function explain(snapshot: Snapshot, traffic: TrafficSpec): Explanation {
  return new ReachabilityEngine(snapshot, traffic).explain();
}
