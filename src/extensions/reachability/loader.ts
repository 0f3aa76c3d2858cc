// Builds the engine's snapshot for one question: the resources around the source and the
// destination, read through the features' repositories (a few indexed queries, whatever
// the number of ports stored), then marked visible or not by listing them through their
// services with the caller's context, so visibility follows the policy exactly as a GET
// would. The source and destination ports must be visible to the caller (404 otherwise).
import ipaddr from 'ipaddr.js';
import type { Tx } from '../../db/index.ts';
import type { RequestContext } from '../../foundation/context.ts';
import { badRequest } from '../../foundation/errors.ts';
import type { ServiceDeps } from '../../framework/deps.ts';
import type { Item } from '../../framework/repository.ts';
import type { ResourceService } from '../../framework/resource-service.ts';
import { canonicalIp, cidrContains, ipToBig, parseCidr, versionOf } from '../ipam/address.ts';
import type { SnapAddressGroup, SnapFloatingIp, SnapGroup, SnapNetwork, SnapPort, SnapRouter, SnapSubnet, Snapshot } from './snapshot.ts';

export interface Endpoint {
  port_id?: string;
  ip_address?: string;
}

const ROUTER_OWNERS = ['network:router_interface', 'network:router_interface_distributed', 'network:ha_router_replicated_interface', 'network:router_gateway'];
/** Rounds of "routers on these networks, then the networks of their interfaces" (extra routes between routers). */
const ROUTER_ROUNDS = 3;

const contains = (cidr: string, ip: string) => cidrContains(parseCidr(cidr), ipToBig(ip));

function address(value: string, what: string): string {
  if (!ipaddr.isValid(value)) throw badRequest(`Invalid input for ${what}: '${value}' is not a valid IP address.`);
  return canonicalIp(value);
}

export class SnapshotLoader {
  private readonly ports = new Map<string, Item>();
  private readonly networks = new Map<string, Item>();
  private readonly routers = new Map<string, Item>();
  private readonly fips = new Map<string, Item>();

  constructor(
    private readonly deps: ServiceDeps,
    private readonly ctx: RequestContext,
  ) {}

  private service(collection: string): ResourceService {
    const s = this.deps.services.get(collection);
    if (!s) throw badRequest(`The reachability analysis needs the ${collection} resource, which this deployment does not serve`);
    return s;
  }

  private get db(): Tx {
    return this.deps.database.db;
  }

  private async loadPorts(ids: string[]): Promise<void> {
    const missing = [...new Set(ids)].filter((id) => !this.ports.has(id));
    for (const p of await this.service('ports').repo.findWhere(this.db, { id: missing })) this.ports.set(p.id, p);
  }

  /** Ports holding any of the addresses as a fixed IP. */
  private async holdersOf(addresses: string[]): Promise<string[]> {
    if (addresses.length === 0) return [];
    const rows = await this.db.selectFrom('ipallocations').select('port_id').where('ip_address', 'in', [...new Set(addresses)]).execute();
    return rows.map((r: { port_id: string }) => r.port_id);
  }

  async load(source: Endpoint, destination: Endpoint): Promise<Snapshot> {
    const ports = this.service('ports');
    // The endpoints the caller names must be visible to it: PortNotFound otherwise, as a GET.
    // Independent reads go together (PostgreSQL runs them on several connections).
    const [srcPort, dstPort] = await Promise.all([
      source.port_id ? ports.getVisible(this.db, this.ctx, source.port_id) : undefined,
      destination.port_id ? ports.getVisible(this.db, this.ctx, destination.port_id) : undefined,
    ]);
    if (srcPort) this.ports.set(srcPort.id, srcPort);
    if (dstPort) this.ports.set(dstPort.id, dstPort);
    const srcGiven = source.ip_address !== undefined ? address(source.ip_address, 'source ip_address') : undefined;
    const dstGiven = destination.ip_address !== undefined ? address(destination.ip_address, 'destination ip_address') : undefined;
    const fixed = (p: Item | undefined, version?: number): string | undefined =>
      (p?.fixed_ips as { ip_address: string }[] | undefined)?.map((ip) => ip.ip_address).find((a) => version === undefined || versionOf(a) === version);
    const version = dstGiven ? versionOf(dstGiven) : srcGiven ? versionOf(srcGiven) : versionOf(fixed(srcPort) ?? fixed(dstPort) ?? '0.0.0.0');
    const dstAddress = dstGiven ?? fixed(dstPort, version) ?? fixed(dstPort);
    if (!dstAddress) throw badRequest(`Port ${dstPort?.id} has no fixed IP to reach`);
    const srcAddress = srcGiven ?? fixed(srcPort, versionOf(dstAddress));
    if (!srcAddress) throw badRequest(`Port ${srcPort?.id} has no IPv${versionOf(dstAddress)} address to send from`);
    if (versionOf(srcAddress) !== versionOf(dstAddress)) throw badRequest('The source and destination addresses are of different IP versions');

    // Floating IPs: the destination's address, or the endpoints' ports.
    const fipService = this.service('floatingips');
    const endpointPorts = [srcPort?.id, dstPort?.id].filter((x): x is string => !!x);
    const [byAddress, byPort] = await Promise.all([fipService.repo.findWhere(this.db, { floating_ip_address: dstAddress }), fipService.repo.findWhere(this.db, { port_id: endpointPorts })]);
    for (const f of [...byAddress, ...byPort]) this.fips.set(f.id, f);
    const forwardings = await this.forwardingsOf([...this.fips.keys()]);

    // Ports holding the addresses in play (the destination, floating IPs' targets).
    const addresses = [srcAddress, dstAddress, ...[...this.fips.values()].map((f) => f.fixed_ip_address as string | null).filter((a): a is string => !!a), ...forwardings.map((pf) => pf.internal_ip_address)];
    await this.loadPorts([...(await this.holdersOf(addresses)), ...[...this.fips.values()].map((f) => f.port_id).filter((x): x is string => !!x), ...forwardings.map((pf) => pf.internal_port_id)]);

    // Networks, then the routers on them and their interfaces' networks, a few rounds deep.
    const networkIds = new Set<string>([...this.ports.values()].map((p) => p.network_id as string));
    for (const f of this.fips.values()) networkIds.add(f.floating_network_id);
    const routerIds = new Set<string>([...this.fips.values()].map((f) => f.router_id).filter((x): x is string => !!x));
    let routerPorts: { port_id: string; router_id: string }[] = [];
    for (let round = 0; round < ROUTER_ROUNDS && networkIds.size > 0; round++) {
      const onNetworks = await this.db
        .selectFrom('router_ports')
        .innerJoin('ports', 'ports.id', 'router_ports.port_id')
        .select(['router_ports.router_id as router_id'])
        .where('ports.network_id', 'in', [...networkIds])
        .execute();
      const before = routerIds.size;
      for (const r of onNetworks as { router_id: string }[]) routerIds.add(r.router_id);
      if (routerIds.size === 0) break;
      routerPorts = (await this.db.selectFrom('router_ports').select(['port_id', 'router_id']).where('router_id', 'in', [...routerIds]).execute()) as typeof routerPorts;
      await this.loadPorts(routerPorts.map((rp) => rp.port_id));
      const netsBefore = networkIds.size;
      for (const rp of routerPorts) networkIds.add(this.ports.get(rp.port_id)?.network_id as string);
      if (routerIds.size === before && networkIds.size === netsBefore && round > 0) break;
    }
    for (const r of await this.service('routers').repo.findWhere(this.db, { id: [...routerIds] })) {
      this.routers.set(r.id, r);
      if (r.gw_network_id) networkIds.add(r.gw_network_id);
    }
    // Gateway ports, the holders of extra routes' next hops, the networks and their subnets.
    const nexthops = [...this.routers.values()].flatMap((r) => ((r.routes as { nexthop: string }[] | undefined) ?? []).map((x) => x.nexthop));
    const [, , networks, subnets] = await Promise.all([
      this.loadPorts([...this.routers.values()].map((r) => r.gw_port_id).filter((x): x is string => !!x)),
      this.holdersOf(nexthops).then((ids) => this.loadPorts(ids)),
      this.service('networks').repo.findWhere(this.db, { id: [...networkIds] }),
      this.service('subnets').repo.findWhere(this.db, { network_id: [...networkIds] }),
    ]);
    for (const n of networks) this.networks.set(n.id, n);
    // An on-link address no port holds as a fixed IP may be answered for through an allowed
    // address pair (a VIP): only then are the pairs of the ports on its networks read.
    const held = new Set([...this.ports.values()].flatMap((p) => (p.fixed_ips as { ip_address: string }[]).map((ip) => ip.ip_address)));
    const unheld = [dstAddress, ...nexthops].filter((a) => !held.has(a));
    const pairNetworks = [...new Set(subnets.filter((s) => unheld.some((a) => versionOf(a) === Number(s.ip_version) && contains(s.cidr, a))).map((s) => s.network_id as string))];
    if (pairNetworks.length) {
      const pairs = await this.db.selectFrom('ports').select('id').where('network_id', 'in', pairNetworks).where('allowed_address_pairs', '<>', '[]').limit(1000).execute();
      await this.loadPorts(pairs.map((p: { id: string }) => p.id));
    }

    // Security groups of the ports that filter (not router ports), their rules, what the rules name.
    const workloadPorts = [...this.ports.values()].filter((p) => !ROUTER_OWNERS.includes(p.device_owner as string) && p.device_owner !== 'network:floatingip');
    const groupIds = new Set(workloadPorts.flatMap((p) => (p.security_groups as string[] | undefined) ?? []));
    const [groups, rules] = await Promise.all([
      this.service('security_groups').repo.findWhere(this.db, { id: [...groupIds] }),
      this.service('security_group_rules').repo.findWhere(this.db, { security_group_id: [...groupIds] }),
    ]);
    const addressGroupIds = [...new Set(rules.map((r) => r.remote_address_group_id).filter((x): x is string => !!x))];
    const remoteGroups = new Set(rules.map((r) => r.remote_group_id).filter((x): x is string => !!x));
    // Which groups the addresses in play belong to (remote_group_id matches), through the port bindings.
    const inPlay = [...addresses, ...[...this.fips.values()].map((f) => f.floating_ip_address as string), ...[...this.routers.values()].flatMap((r) => this.gatewayIps(r))];
    const [addressGroups, remote, groupMembers] = await Promise.all([
      this.addressGroups(addressGroupIds),
      this.service('security_groups').repo.findWhere(this.db, { id: [...remoteGroups].filter((id) => !groupIds.has(id)) }),
      this.membership(inPlay, remoteGroups),
    ]);
    groups.push(...remote);

    const visible = await this.visibility({
      ports: [...this.ports.keys()],
      networks: [...this.networks.keys()],
      subnets: subnets.map((s) => s.id),
      routers: [...this.routers.keys()],
      floatingips: [...this.fips.keys()],
      security_groups: groups.map((g) => g.id),
      address_groups: addressGroups.map((g) => g.id),
    });
    const is = (collection: string, id: string) => visible.get(collection)?.has(id) ?? false;

    const snapPorts = new Map<string, SnapPort>();
    for (const p of this.ports.values()) {
      snapPorts.set(p.id, {
        id: p.id,
        name: p.name ?? '',
        project_id: p.project_id ?? null,
        visible: is('ports', p.id),
        network_id: p.network_id,
        admin_state_up: !!p.admin_state_up,
        device_owner: p.device_owner ?? '',
        device_id: p.device_id ?? '',
        fixed_ips: p.fixed_ips ?? [],
        allowed_address_pairs: p.allowed_address_pairs ?? [],
        port_security_enabled: p.port_security_enabled !== false,
        security_groups: p.security_groups ?? [],
      });
    }
    const snapNetworks = new Map<string, SnapNetwork>(
      [...this.networks.values()].map((n) => [n.id, { id: n.id, name: n.name ?? '', project_id: n.project_id ?? null, visible: is('networks', n.id), admin_state_up: !!n.admin_state_up, router_external: !!n['router:external'] }]),
    );
    const snapSubnets = new Map<string, SnapSubnet>(
      subnets.map((s) => [
        s.id,
        { id: s.id, name: s.name ?? '', project_id: s.project_id ?? null, visible: is('subnets', s.id), network_id: s.network_id, cidr: s.cidr, ip_version: Number(s.ip_version), gateway_ip: s.gateway_ip ?? null, host_routes: s.host_routes ?? [] },
      ]),
    );
    const snapRouters = new Map<string, SnapRouter>();
    for (const r of this.routers.values()) {
      const interfaces = routerPorts
        .filter((rp) => rp.router_id === r.id && rp.port_id !== r.gw_port_id)
        .flatMap((rp) => {
          const port = this.ports.get(rp.port_id);
          return ((port?.fixed_ips as { subnet_id: string; ip_address: string }[] | undefined) ?? []).map((ip) => ({ port_id: rp.port_id, network_id: port!.network_id as string, subnet_id: ip.subnet_id, ip_address: ip.ip_address }));
        });
      const gwPort = r.gw_port_id ? this.ports.get(r.gw_port_id) : undefined;
      snapRouters.set(r.id, {
        id: r.id,
        name: r.name ?? '',
        project_id: r.project_id ?? null,
        visible: is('routers', r.id),
        admin_state_up: !!r.admin_state_up,
        enable_snat: r.enable_snat !== false,
        interfaces,
        gateway: gwPort ? { network_id: r.gw_network_id, port_id: gwPort.id, fixed_ips: gwPort.fixed_ips ?? [] } : null,
        routes: r.routes ?? [],
      });
    }
    const snapFips: SnapFloatingIp[] = [...this.fips.values()].map((f) => ({
      id: f.id,
      name: '',
      project_id: f.project_id ?? null,
      visible: is('floatingips', f.id),
      floating_ip_address: f.floating_ip_address,
      floating_network_id: f.floating_network_id,
      fixed_port_id: f.port_id ?? null,
      fixed_ip_address: f.fixed_ip_address ?? null,
      router_id: f.router_id ?? null,
      port_forwardings: forwardings.filter((pf) => pf.floatingip_id === f.id),
    }));
    const snapGroups = new Map<string, SnapGroup>(
      groups.map((g) => [
        g.id,
        {
          id: g.id,
          name: g.name ?? '',
          project_id: g.project_id ?? null,
          visible: is('security_groups', g.id),
          stateful: g.stateful !== false,
          rules: rules
            .filter((r) => r.security_group_id === g.id)
            .map((r) => ({
              id: r.id,
              direction: r.direction,
              ethertype: r.ethertype,
              protocol: r.protocol ?? null,
              port_range_min: r.port_range_min ?? null,
              port_range_max: r.port_range_max ?? null,
              remote_ip_prefix: r.remote_ip_prefix ?? null,
              remote_group_id: r.remote_group_id ?? null,
              remote_address_group_id: r.remote_address_group_id ?? null,
            })),
        },
      ]),
    );
    const snapAddressGroups = new Map<string, SnapAddressGroup>(addressGroups.map((g) => [g.id, { ...g, visible: is('address_groups', g.id) }]));
    return {
      source: srcPort ? { port_id: srcPort.id, ip_address: srcAddress } : { ip_address: srcAddress },
      destination: dstPort ? { port_id: dstPort.id, ip_address: dstAddress } : { ip_address: dstAddress },
      ports: snapPorts,
      networks: snapNetworks,
      subnets: snapSubnets,
      routers: snapRouters,
      floatingIps: snapFips,
      groups: snapGroups,
      addressGroups: snapAddressGroups,
      groupMembers,
    };
  }

  private gatewayIps(router: Item): string[] {
    const port = router.gw_port_id ? this.ports.get(router.gw_port_id) : undefined;
    return ((port?.fixed_ips as { ip_address: string }[] | undefined) ?? []).map((ip) => ip.ip_address);
  }

  private async forwardingsOf(fipIds: string[]) {
    if (fipIds.length === 0 || !this.deps.services.get('port_forwardings')) return [];
    return (await this.db
      .selectFrom('port_forwardings')
      .select(['id', 'floatingip_id', 'protocol', 'external_port', 'internal_port', 'internal_ip_address', 'internal_port_id'])
      .where('floatingip_id', 'in', fipIds)
      .execute()) as { id: string; floatingip_id: string; protocol: string; external_port: number; internal_port: number; internal_ip_address: string; internal_port_id: string }[];
  }

  private async addressGroups(ids: string[]): Promise<Omit<SnapAddressGroup, 'visible'>[]> {
    if (ids.length === 0) return [];
    const groups = (await this.db.selectFrom('address_groups').select(['id', 'name', 'project_id']).where('id', 'in', ids).execute()) as { id: string; name: string; project_id: string | null }[];
    const members = (await this.db.selectFrom('address_group_addresses').select(['address_group_id', 'address']).where('address_group_id', 'in', ids).execute()) as { address_group_id: string; address: string }[];
    return groups.map((g) => ({ ...g, name: g.name ?? '', addresses: members.filter((m) => m.address_group_id === g.id).map((m) => m.address) }));
  }

  /**
   * address → the groups (among remoteGroups) a port holding it belongs to: as a fixed IP, or
   * inside one of its allowed address pairs (Neutron's member sets hold both, and so do the
   * Linux agent's nftables sets).
   */
  private async membership(addresses: string[], remoteGroups: Set<string>): Promise<Map<string, Set<string>>> {
    const out = new Map<string, Set<string>>();
    if (remoteGroups.size === 0 || addresses.length === 0) return out;
    const rows = (await this.db
      .selectFrom('ipallocations')
      .innerJoin('securitygroupportbindings', 'securitygroupportbindings.port_id', 'ipallocations.port_id')
      .select(['ipallocations.ip_address as ip_address', 'securitygroupportbindings.security_group_id as group_id'])
      .where('ipallocations.ip_address', 'in', [...new Set(addresses)])
      .where('securitygroupportbindings.security_group_id', 'in', [...remoteGroups])
      .execute()) as { ip_address: string; group_id: string }[];
    const add = (address: string, group: string) => {
      if (!out.has(address)) out.set(address, new Set());
      out.get(address)!.add(group);
    };
    for (const r of rows) add(r.ip_address, r.group_id);
    const withPairs = (await this.db
      .selectFrom('ports')
      .innerJoin('securitygroupportbindings', 'securitygroupportbindings.port_id', 'ports.id')
      .select(['ports.allowed_address_pairs as pairs', 'securitygroupportbindings.security_group_id as group_id'])
      .where('securitygroupportbindings.security_group_id', 'in', [...remoteGroups])
      .where('ports.allowed_address_pairs', '<>', '[]')
      .execute()) as { pairs: unknown; group_id: string }[];
    const wanted = [...new Set(addresses)];
    for (const row of withPairs) {
      const pairs = (typeof row.pairs === 'string' ? JSON.parse(row.pairs) : row.pairs) as { ip_address: string }[];
      for (const pair of pairs) {
        const cidr = pair.ip_address.includes('/') ? pair.ip_address : `${pair.ip_address}/${versionOf(pair.ip_address) === 4 ? 32 : 128}`;
        for (const a of wanted) if (versionOf(a) === versionOf(cidr.split('/')[0]) && contains(cidr, a)) add(a, row.group_id);
      }
    }
    return out;
  }

  /**
   * Which of the loaded objects the caller may see: each collection listed through its
   * service with the caller's context (project scope, RBAC sharing, get_<member> policy).
   */
  private async visibility(ids: Record<string, string[]>): Promise<Map<string, Set<string>>> {
    const seen = async ([collection, list]: [string, string[]]): Promise<[string, Set<string>]> => {
      const service = this.deps.services.get(collection);
      if (!service || list.length === 0) return [collection, new Set()];
      if (this.ctx.isAdmin) return [collection, new Set(list)];
      const items = await service.list(this.ctx, { filters: { id: [...new Set(list)] }, sort: [], fields: ['id'] });
      return [collection, new Set(items.map((x) => x.id as string))];
    };
    return new Map(await Promise.all(Object.entries(ids).map(seen)));
  }
}
