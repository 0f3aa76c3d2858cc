// verify: from an explanation (the hops intent says the packet takes) to the checks a backend
// makes in its dataplane (PathCheck, src/backends/driver.ts), and the backend's answer.
// Each hop that a dataplane element carries becomes one or more checks:
//   egress_rule / ingress_rule (admitting)  → security_group_rule on the port's host, and
//                                             remote_group_member / address_group_member for
//                                             the peer's address when the rule names a group
//   egress_rule / ingress_rule (blocking)   → port_filtered: the port has its own chains, so
//                                             the default deny applies there too
//   anti_spoofing with port security off    → port_unfiltered
//   router_interface (a port of a router)   → router_interface on the router's host
//   route                                   → route: the device / next hop the router uses
//   nat, port_forwarding                    → snat / dnat rules in the router's NAT table
// Hops no dataplane element carries (network, subnet gateway, external, stateful return)
// are not checked. The hosts come from the ports' binding:host_id (routers: their ports').
import type { PathCheck, VerifyRequest } from '../../backends/driver.ts';
import type { Tx } from '../../db/index.ts';
import type { ServiceDeps } from '../../framework/deps.ts';
import { versionOf } from '../ipam/address.ts';
import type { Explanation, Hop } from './engine.ts';
import type { SnapPort, Snapshot, TrafficSpec } from './snapshot.ts';

/** The addresses the packet carries as it walks the hops (NAT rewrites them). */
interface Walk {
  src: string;
  dst: string;
  port?: number;
}

export class CheckBuilder {
  private readonly checks: PathCheck[] = [];
  /** The port and router each hop is realized on (set while walking). */
  private readonly hostOf: Map<string, string>;

  constructor(
    private readonly s: Snapshot,
    private readonly traffic: TrafficSpec,
    hosts: Map<string, string>,
  ) {
    this.hostOf = hosts;
  }

  /** The checks of the forward and return hops. */
  build(answer: Explanation): PathCheck[] {
    const walk: Walk = { src: this.s.source.ip_address, dst: this.s.destination.ip_address, port: this.traffic.port };
    let lastPort: SnapPort | undefined = 'port_id' in this.s.source ? this.s.ports.get(this.s.source.port_id) : undefined;
    let router: string | undefined;
    /** The floating IP the packet was sent to (before its DNAT). */
    let fipAddress: string | undefined;
    answer.forward.forEach((hop, i) => {
      const id = `f${i}`;
      const rid = hop.resource?.id;
      switch (hop.kind) {
        case 'source_port':
        case 'destination_port':
          lastPort = rid ? this.s.ports.get(rid) : undefined;
          break;
        case 'anti_spoofing':
          if (lastPort && hop.ok && !lastPort.port_security_enabled) this.portUnfiltered(id, lastPort);
          break;
        case 'egress_rule':
        case 'ingress_rule':
          if (lastPort) this.filterHop(id, hop, lastPort, walk);
          break;
        case 'floating_ip': {
          const fip = this.s.floatingIps.find((f) => f.id === rid);
          if (fip) walk.dst = fip.floating_ip_address;
          break;
        }
        case 'router_interface': {
          // Entering or leaving a router through one of its ports (or its gateway: resource is the router).
          const port = rid ? this.s.ports.get(rid) : undefined;
          const owner = port ? [...this.s.routers.values()].find((r) => r.interfaces.some((x) => x.port_id === port.id)) : rid ? this.s.routers.get(rid) : undefined;
          if (owner) router = owner.id;
          if (port && owner) {
            const iface = owner.interfaces.find((x) => x.port_id === port.id && versionOf(x.ip_address) === versionOf(walk.dst)) ?? owner.interfaces.find((x) => x.port_id === port.id)!;
            this.add({ id, kind: 'router_interface', host: this.routerHost(owner.id), router_id: owner.id, port_id: port.id, address: iface.ip_address, intent: `router ${owner.id} has an up interface for port ${port.id} holding ${iface.ip_address}` });
          } else if (owner?.gateway && fipAddress) {
            // In through the gateway to a floating IP: the gateway device holds it (the router answers ARP for it).
            this.add({ id, kind: 'router_interface', host: this.routerHost(owner.id), router_id: owner.id, port_id: owner.gateway.port_id, address: fipAddress, intent: `router ${owner.id} has its gateway device up holding the floating IP ${fipAddress}` });
          }
          break;
        }
        case 'route':
          if (rid) this.routeHop(id, rid, answer.forward[i + 1], walk);
          router = rid;
          break;
        case 'nat': {
          // A floating IP's NAT happens on its router; SNAT to the gateway on the router just left.
          const fip = hop.resource?.type === 'floatingip' ? this.s.floatingIps.find((f) => f.id === rid) : undefined;
          if (fip && hop.detail.startsWith('DNAT')) fipAddress = fip.floating_ip_address;
          const on = fip ? fip.router_id : router;
          if (hop.ok && on) this.natHop(id, hop, on, walk);
          break;
        }
        case 'port_forwarding': {
          const fip = this.s.floatingIps.find((f) => f.port_forwardings.some((pf) => pf.id === rid));
          const pf = fip?.port_forwardings.find((x) => x.id === rid);
          if (fip && pf && fip.router_id) {
            fipAddress = fip.floating_ip_address;
            this.add({ id, kind: 'dnat', host: this.routerHost(fip.router_id), router_id: fip.router_id, address: fip.floating_ip_address, protocol: pf.protocol, port: pf.external_port, translated: pf.internal_ip_address, translated_port: pf.internal_port, intent: `router ${fip.router_id} forwards ${pf.protocol} ${fip.floating_ip_address}:${pf.external_port} to ${pf.internal_ip_address}:${pf.internal_port}` });
            walk.dst = pf.internal_ip_address;
            walk.port = pf.internal_port;
          }
          break;
        }
        default:
          break;
      }
    });
    // Return hops: only stateful=false groups put rules there (the rest is connection tracking).
    answer.return.forEach((hop, i) => {
      if ((hop.kind === 'egress_rule' || hop.kind === 'ingress_rule') && hop.resource) {
        const port = hop.kind === 'egress_rule' && 'port_id' in this.s.destination ? this.s.ports.get(this.s.destination.port_id) : 'port_id' in this.s.source ? this.s.ports.get(this.s.source.port_id) : undefined;
        const peer = hop.kind === 'egress_rule' ? this.s.source.ip_address : this.s.destination.ip_address;
        if (port) this.filterHop(`r${i}`, hop, port, { src: peer, dst: peer });
      }
    });
    return this.checks;
  }

  private add(c: PathCheck): void {
    this.checks.push(c);
  }

  private portHost(port: SnapPort): string | undefined {
    return this.hostOf.get(port.id) || undefined;
  }

  /** A router is realized where its ports are bound (the L3 agent binds them to its host). */
  private routerHost(routerId: string): string | undefined {
    const r = this.s.routers.get(routerId);
    const ports = [...(r?.interfaces.map((x) => x.port_id) ?? []), ...(r?.gateway ? [r.gateway.port_id] : [])];
    return ports.map((p) => this.hostOf.get(p)).find((h) => !!h);
  }

  private portUnfiltered(id: string, port: SnapPort): void {
    this.add({ id, kind: 'port_unfiltered', host: this.portHost(port), port_id: port.id, intent: `port ${port.id} has port security disabled: its traffic passes unfiltered` });
  }

  private filterHop(id: string, hop: Hop, port: SnapPort, walk: Walk): void {
    const direction = hop.kind === 'egress_rule' ? 'egress' : 'ingress';
    const host = this.portHost(port);
    if (!hop.ok) {
      // The default deny: the port must be filtered on its host for the drop to happen there.
      if (port.port_security_enabled) this.add({ id, kind: 'port_filtered', host, port_id: port.id, direction, intent: `port ${port.id} is filtered (${direction}): what no rule admits is dropped` });
      return;
    }
    if (!port.port_security_enabled) return this.portUnfiltered(id, port);
    const group = hop.resource?.id ? this.s.groups.get(hop.resource.id) : undefined;
    const rule = group?.rules.find((r) => r.id === hop.rule_id);
    if (!group || !rule) return;
    this.add({ id, kind: 'security_group_rule', host, port_id: port.id, direction, security_group_id: group.id, rule: { ...rule }, intent: `${direction} rule ${rule.id} of security group ${group.id} is realized for port ${port.id}` });
    const peer = direction === 'ingress' ? walk.src : walk.dst;
    if (rule.remote_group_id) {
      this.add({ id: `${id}.group`, kind: 'remote_group_member', host, port_id: port.id, group_id: rule.remote_group_id, address: peer, intent: `${peer} is a member of remote group ${rule.remote_group_id} on port ${port.id}'s host` });
    }
    if (rule.remote_address_group_id) {
      this.add({ id: `${id}.group`, kind: 'address_group_member', host, port_id: port.id, group_id: rule.remote_address_group_id, address: peer, intent: `${peer} is in address group ${rule.remote_address_group_id} on port ${port.id}'s host` });
    }
  }

  /** The router's choice for the destination: the next hop says through which device it leaves. */
  private routeHop(id: string, routerId: string, next: Hop | undefined, walk: Walk): void {
    const r = this.s.routers.get(routerId);
    if (!r) return;
    const host = this.routerHost(routerId);
    if (next?.kind === 'router_interface' && next.detail.startsWith('handed to')) {
      // An extra route to another router: its next hop is that router's interface address.
      const held = this.s.ports.get(next.resource?.id ?? '')?.fixed_ips.map((ip) => ip.ip_address) ?? [];
      const extra = r.routes.find((x) => held.includes(x.nexthop));
      if (extra) this.add({ id, kind: 'route', host, router_id: routerId, address: walk.dst, nexthop: extra.nexthop, intent: `router ${routerId} routes ${walk.dst} via ${extra.nexthop} (extra route ${extra.destination})` });
      return;
    }
    if (next?.kind === 'router_interface' && next.resource?.type === 'port' && next.detail.startsWith('leaves')) {
      this.add({ id, kind: 'route', host, router_id: routerId, address: walk.dst, via_port_id: next.resource.id, intent: `router ${routerId} routes ${walk.dst} out of its interface port ${next.resource.id}` });
      return;
    }
    if (r.gateway && (next?.kind === 'nat' || next?.kind === 'network')) {
      this.add({ id, kind: 'route', host, router_id: routerId, address: walk.dst, via_port_id: r.gateway.port_id, intent: `router ${routerId} routes ${walk.dst} out of its external gateway (port ${r.gateway.port_id})` });
    }
  }

  private natHop(id: string, hop: Hop, routerId: string, walk: Walk): void {
    const host = this.routerHost(routerId);
    const fip = hop.resource?.type === 'floatingip' ? this.s.floatingIps.find((f) => f.id === hop.resource!.id) : undefined;
    if (hop.detail.startsWith('DNAT') && fip?.fixed_ip_address) {
      this.add({ id, kind: 'dnat', host, router_id: routerId, address: fip.floating_ip_address, translated: fip.fixed_ip_address, intent: `router ${routerId} sends traffic to floating IP ${fip.floating_ip_address} on to ${fip.fixed_ip_address}` });
      walk.dst = fip.fixed_ip_address;
      return;
    }
    if (hop.detail.startsWith('SNAT') && fip) {
      this.add({ id, kind: 'snat', host, router_id: routerId, address: walk.src, translated: fip.floating_ip_address, intent: `router ${routerId} rewrites the source ${walk.src} to its floating IP ${fip.floating_ip_address}` });
      walk.src = fip.floating_ip_address;
      return;
    }
    const r = this.s.routers.get(routerId);
    const gw = r?.gateway?.fixed_ips.find((ip) => versionOf(ip.ip_address) === versionOf(walk.src));
    if (hop.detail.startsWith('SNAT') && gw) {
      this.add({ id, kind: 'snat', host, router_id: routerId, address: walk.src, translated: gw.ip_address, intent: `router ${routerId} rewrites the source ${walk.src} to its gateway address ${gw.ip_address}` });
      walk.src = gw.ip_address;
    }
  }
}

/** binding:host_id and MAC of the ports on the path (every port of the snapshot: routers' too). */
export async function portFacts(deps: ServiceDeps, db: Tx, s: Snapshot): Promise<Map<string, { host: string; mac: string }>> {
  const ports = deps.services.get('ports');
  if (!ports) return new Map();
  const items = await ports.repo.findWhere(db, { id: [...s.ports.keys()] });
  return new Map(items.map((p) => [p.id as string, { host: String(p['binding:host_id'] ?? ''), mac: String(p.mac_address ?? '') }]));
}

/** The request a backend's verify receives. */
export function verifyRequest(s: Snapshot, traffic: TrafficSpec, answer: Explanation, facts: Map<string, { host: string; mac: string }>, timeoutMs: number): VerifyRequest {
  const hosts = new Map([...facts].map(([id, f]) => [id, f.host]));
  const source = 'port_id' in s.source ? s.ports.get(s.source.port_id) : undefined;
  // The first hop's MAC: the router interface the packet enters first, else the port it arrives at.
  const firstRouter = answer.forward.find((h) => h.kind === 'router_interface' && h.resource?.type === 'port');
  const arrives = answer.forward.find((h) => h.kind === 'destination_port');
  const exit = answer.forward.find((h) => h.kind === 'external' && h.ok);
  const destinationPort = arrives?.resource?.id ?? ('port_id' in s.destination ? s.destination.port_id : undefined);
  // Blocked before the first hop is known: the packet is dropped before its MAC matters.
  const firstHop = firstRouter?.resource?.id ?? destinationPort;
  return {
    checks: new CheckBuilder(s, traffic, hosts).build(answer),
    packet: {
      source_port_id: source?.id,
      source_network_id: source?.network_id,
      source_mac: source ? facts.get(source.id)?.mac : undefined,
      first_hop_mac: firstHop ? facts.get(firstHop)?.mac : undefined,
      source_ip: s.source.ip_address,
      destination_ip: s.destination.ip_address,
      protocol: traffic.protocol,
      port: traffic.port,
      destination_port_id: destinationPort,
      exit_network_id: exit?.resource?.id,
    },
    verdict: answer.verdict,
    timeoutMs,
  };
}
