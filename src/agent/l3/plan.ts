// What a router should look like on this host, computed from the agent's cache alone (pure:
// no host access, unit-tested). The L3 reconciler (reconciler.ts) compares it with what the
// router's namespace has and applies the difference; nat.ts renders its NAT rules.
import { tapName } from '../../backends/linux/names.ts';

type Obj = Record<string, any>;

export const ROUTER_INTERFACE_OWNERS = new Set(['network:router_interface', 'network:router_interface_distributed', 'network:ha_router_replicated_interface']);
export const ROUTER_GATEWAY_OWNER = 'network:router_gateway';

/** A router's interface or gateway port: its status is reported by the L3 reconciler, which plugs both ends. */
export const isRouterPort = (port: Obj | undefined): boolean => !!port && (ROUTER_INTERFACE_OWNERS.has(port.device_owner) || port.device_owner === ROUTER_GATEWAY_OWNER);

/** Device names inside the router namespace (Neutron's L3 agent uses the same prefixes). */
export const internalDevice = (portId: string) => `qr-${portId.slice(0, 11)}`;
export const gatewayDevice = (portId: string) => `qg-${portId.slice(0, 11)}`;

/** One router port: a veth whose host end (`tap…`) the L2 reconciler puts on the network's bridge. */
export interface RouterInterface {
  portId: string;
  networkId: string;
  /** Name inside the router namespace (qr-… or qg-…). */
  device: string;
  /** Name of the host end (the port's tap, as for any port bound here). */
  tap: string;
  mac: string;
  mtu: number;
  /** address/prefixlen, IPv4 and IPv6. */
  addresses: string[];
  /** The port's binding host (the router's ports are bound to the host realizing it). */
  boundHost: string | null;
  /** The address scopes of the port's network (`ipv4/ipv6_address_scope`; null: unscoped). */
  scope4: string | null;
  scope6: string | null;
}

export interface FloatingIpPlan {
  id: string;
  revision: number;
  address: string;
  /** The fixed IP it maps to 1:1 (absent: forwards ports only). */
  fixed: string | null;
  forwardings: { protocol: string; externalPort: string; internalIp: string; internalPort: string }[];
}

export interface RouterPlan {
  id: string;
  revision: number;
  adminUp: boolean;
  interfaces: RouterInterface[];
  gateway: (RouterInterface & { nexthops: string[]; snatAddress: string | null }) | null;
  /** Extra routes (`routes`) and the default route through the external subnet's gateway. */
  routes: { destination: string; nexthop: string }[];
  /** Internal IPv4 subnets whose traffic to the external network is SNATed to the gateway address. */
  snatSources: string[];
  /** Every internal IPv4 subnet of the router (hairpin SNAT). */
  internalCidrs4: string[];
  floatingIps: FloatingIpPlan[];
  /** Interfaces on IPv6 subnets that send router advertisements: each subnet's prefix with its ipv6_ra_mode. */
  advertise: { device: string; prefixes: { cidr: string; mode: string }[]; mtu: number }[];
  /** Why parts of the router cannot be realized (reported as the router's status reason). */
  problems: string[];
}

export interface L3Cache {
  routers: Map<string, Obj>;
  floatingips: Map<string, Obj>;
  ports: Map<string, Obj>;
  subnets: Map<string, Obj>;
  networks: Map<string, Obj>;
}

function addressesOf(port: Obj, subnets: Map<string, Obj>): string[] {
  const out: string[] = [];
  for (const f of (port.fixed_ips ?? []) as Obj[]) {
    const s = subnets.get(f.subnet_id);
    if (s) out.push(`${f.ip_address}/${String(s.cidr).split('/')[1]}`);
  }
  return out;
}

function routerInterface(port: Obj, device: string, cache: L3Cache): RouterInterface {
  const network = cache.networks.get(port.network_id);
  return {
    portId: port.id,
    networkId: port.network_id,
    device,
    tap: tapName(port.id),
    mac: port.mac_address,
    mtu: network?.mtu ?? 1500,
    addresses: addressesOf(port, cache.subnets),
    boundHost: port['binding:host_id'] || null,
    scope4: network?.ipv4_address_scope ?? null,
    scope6: network?.ipv6_address_scope ?? null,
  };
}

/** The router ports of a router, found by device_id (interfaces and the gateway). */
export function routerPorts(routerId: string, ports: Map<string, Obj>): { interfaces: Obj[]; gateway: Obj | undefined } {
  const interfaces: Obj[] = [];
  let gateway: Obj | undefined;
  for (const p of ports.values()) {
    if (p.device_id !== routerId) continue;
    if (ROUTER_INTERFACE_OWNERS.has(p.device_owner)) interfaces.push(p);
    else if (p.device_owner === ROUTER_GATEWAY_OWNER) gateway = p;
  }
  interfaces.sort((a, b) => a.id.localeCompare(b.id));
  return { interfaces, gateway };
}

export function planRouter(router: Obj, cache: L3Cache): RouterPlan {
  const problems: string[] = [];
  const { interfaces: ifPorts, gateway: gwPort } = routerPorts(router.id, cache.ports);
  const interfaces = ifPorts.map((p) => routerInterface(p, internalDevice(p.id), cache));
  const info = router.external_gateway_info as Obj | null;
  let gateway: RouterPlan['gateway'] = null;
  const routes: RouterPlan['routes'] = [];
  if (info && gwPort) {
    const base = routerInterface(gwPort, gatewayDevice(gwPort.id), cache);
    const nexthops: string[] = [];
    let snatAddress: string | null = null;
    for (const f of gwPort.fixed_ips as Obj[]) {
      const s = cache.subnets.get(f.subnet_id);
      if (!s) continue;
      if (s.gateway_ip) {
        nexthops.push(s.gateway_ip);
        routes.push({ destination: s.ip_version === 6 ? '::/0' : '0.0.0.0/0', nexthop: s.gateway_ip });
      }
      if (s.ip_version === 4 && !snatAddress) snatAddress = f.ip_address;
    }
    gateway = { ...base, nexthops, snatAddress };
  } else if (info && !gwPort) {
    problems.push('the gateway port is not known yet');
  }
  for (const r of (router.routes ?? []) as Obj[]) routes.push({ destination: r.destination, nexthop: r.nexthop });

  // SNAT: internal IPv4 subnets to the gateway's address, unless the internal network shares
  // the external network's address scope (then it is routed as is, Neutron's contract).
  const snatSources: string[] = [];
  const internalCidrs4: string[] = [];
  for (const i of interfaces) {
    const cidrs = (cache.ports.get(i.portId)!.fixed_ips as Obj[]).map((f) => cache.subnets.get(f.subnet_id)).filter((s): s is Obj => s?.ip_version === 4).map((s) => s.cidr as string);
    internalCidrs4.push(...cidrs);
    if (!gateway?.snatAddress || info?.enable_snat === false) continue;
    if (gateway.scope4 && i.scope4 === gateway.scope4) continue;
    snatSources.push(...cidrs);
  }

  const floatingIps: FloatingIpPlan[] = [];
  for (const fip of cache.floatingips.values()) {
    if (fip.router_id !== router.id) continue;
    const forwardings = ((fip.port_forwardings ?? []) as Obj[]).map((pf) => ({
      protocol: String(pf.protocol),
      externalPort: String(pf.external_port_range ?? pf.external_port).replace(':', '-'),
      internalIp: pf.internal_ip_address,
      internalPort: String(pf.internal_port_range ?? pf.internal_port).replace(':', '-'),
    }));
    if (!fip.fixed_ip_address && forwardings.length === 0) continue;
    floatingIps.push({ id: fip.id, revision: fip.revision_number, address: fip.floating_ip_address, fixed: fip.fixed_ip_address ?? null, forwardings });
  }
  floatingIps.sort((a, b) => a.address.localeCompare(b.address));

  const advertise: RouterPlan['advertise'] = [];
  for (const i of interfaces) {
    const port = cache.ports.get(i.portId)!;
    const v6 = (port.fixed_ips as Obj[]).map((f) => cache.subnets.get(f.subnet_id)).filter((s): s is Obj => !!s && s.ip_version === 6 && !!s.ipv6_ra_mode);
    if (v6.length) advertise.push({ device: i.device, prefixes: v6.map((s) => ({ cidr: s.cidr, mode: s.ipv6_ra_mode })), mtu: i.mtu });
  }

  return {
    id: router.id,
    revision: router.revision_number,
    adminUp: router.admin_state_up !== false,
    interfaces,
    gateway,
    routes,
    snatSources,
    internalCidrs4: [...new Set(internalCidrs4)],
    floatingIps,
    advertise,
    problems,
  };
}
