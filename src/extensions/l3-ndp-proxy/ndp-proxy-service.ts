// NDP proxies (/ndp-proxies) and routers' enable_ndp_proxy, with Neutron's rules: a proxy
// needs a router with NDP proxy enabled, an interface of that router on an IPv6 subnet of
// the port, and the same IPv6 address scope inside and outside; enabling needs a gateway on
// an external network with IPv6 subnets in an address scope; a router keeps its gateway
// and interfaces while proxies use them.
import ipaddr from 'ipaddr.js';
import type { ServiceDeps } from '../../framework/deps.ts';
import { toBoolean } from '../../foundation/validation.ts';
import type { Tx } from '../../db/index.ts';
import { ResourceService, type Item } from '../../framework/resource-service.ts';
import { changesOf, type CreateOp, type Operation, type UpdateOp } from '../../framework/operation.ts';
import type { Query } from '../../framework/repository.ts';
import {
  addressScopeConflict,
  invalidAddress,
  ndpProxyNotFound,
  portUnreachableRouter,
  portWithoutIpv6,
  routerGatewayInUseByNdpProxy,
  routerGatewayNotValid,
  routerInterfaceInUseByNdpProxy,
  routerIpv6GatewayInUse,
  routerNdpProxyNotEnabled,
} from './errors.ts';

declare module '../../framework/lookup.ts' {
  interface ServiceLookup {
    ndpProxies?: NdpProxyService;
  }
}

interface FixedIp {
  subnet_id: string;
  ip_address: string;
}

const ROUTER_INTERFACE = 'network:router_interface';
/** Neutron's enable_ndp_proxy_by_default: what a router with a capable gateway gets when it does not say. */
const ENABLE_BY_DEFAULT = false;

const isV6 = (ip: string) => ip.includes(':');
const v6Ips = (port: Item): FixedIp[] => (port.fixed_ips as FixedIp[]).filter((ip) => isV6(ip.ip_address));
const sameIp = (a: string, b: string) => ipaddr.parse(a).toString() === ipaddr.parse(b).toString();

export class NdpProxyService extends ResourceService {
  constructor(deps: ServiceDeps) {
    super(deps, 'ndp_proxies');
  }

  protected override notFound(id: string) {
    return ndpProxyNotFound(id);
  }

  private get routers() {
    return this.app.services.routers;
  }

  // ------------------------------------------------------------------ proxies

  protected override async beforeCreate({ trx, ctx, item }: CreateOp): Promise<void> {
    const port = await this.routers.ports.service.getVisible(trx, ctx, item.port_id);
    // Held while the proxy is added, so the gateway and interfaces it needs stay.
    await this.app.database.lock(trx, 'routers', 'id', item.router_id);
    const interfaces = (await this.routers.interfaces.connected(trx, item.router_id)).filter((c) => c.port.network_id === port.network_id);
    if (!interfaces.length) throw portUnreachableRouter(port.id, item.router_id);
    const router = await this.routers.getVisible(trx, ctx, item.router_id);
    if (!(await this.enabled(trx, router))) throw routerNdpProxyNotEnabled(router.id);
    const externalScope = await this.ipv6Scope(trx, router.gw_network_id);

    const portIps = v6Ips(port);
    if (!portIps.length) throw portWithoutIpv6(port.id);
    const routerSubnets = new Set(interfaces.filter((c) => c.subnet.ip_version === 6).map((c) => c.subnet.id));
    if (item.ip_address === null) {
      const reachable = portIps.find((ip) => routerSubnets.has(ip.subnet_id));
      if (!reachable) throw portUnreachableRouter(port.id, router.id);
      item.ip_address = reachable.ip_address;
    } else {
      const own = portIps.find((ip) => sameIp(ip.ip_address, item.ip_address));
      if (!own) throw invalidAddress(item.ip_address, `This address not belong to the port ${port.id}`);
      if (!routerSubnets.has(own.subnet_id)) throw invalidAddress(item.ip_address, `This address cannot reach the router ${router.id}`);
      item.ip_address = own.ip_address;
    }
    const internalScope = await this.ipv6Scope(trx, port.network_id);
    // Without one scope on both sides the router would not route the address unNATed.
    if (externalScope !== internalScope) throw addressScopeConflict(externalScope, internalScope);
  }

  /** The IPv6 address scope a network is in (all its IPv6 subnets from pools of one scope), or null. */
  private async ipv6Scope(q: Tx, networkId: string | null): Promise<string | null> {
    if (!networkId) return null;
    const network: Item = { id: networkId };
    await this.app.services.addressScopes.extendNetworks(q, [network]);
    return network.ipv6_address_scope ?? null;
  }

  /** Wiring (ports beforeDelete): a port's proxies go with it. */
  async deleteForPort(op: Operation): Promise<void> {
    for (const proxy of await this.repo.findWhere(op.trx, { port_id: op.item.id })) {
      await this.repo.deleteById(op.trx, proxy.id, this.resource.hasTags);
      this.app.feed.record(op.trx, 'ndp_proxies', proxy.id, 'deleted', this.app.feed.before('ndp_proxies', proxy)); // change feed
    }
  }

  /**
   * Wiring (ports beforeDelete / beforeUpdate): a router interface keeps the IPv6 subnets
   * that proxies of its router use (RouterInterfaceInUseByNDPProxy).
   */
  async keepInterfaceSubnets(op: Operation): Promise<void> {
    const port = op.kind === 'update' ? op.current : op.item;
    if (port.device_owner !== ROUTER_INTERFACE || !port.device_id) return;
    const kept = op.kind === 'update' && 'fixed_ips' in op.changes ? new Set((op.changes.fixed_ips as FixedIp[] ?? []).map((ip) => ip.subnet_id)) : new Set<string>();
    if (op.kind === 'update' && !('fixed_ips' in op.changes)) return;
    const removed = v6Ips(port).map((ip) => ip.subnet_id).filter((id) => !kept.has(id));
    if (!removed.length) return;
    const proxies = await this.repo.findWhere(op.trx, { router_id: port.device_id });
    if (!proxies.length) return;
    const ports = await this.routers.ports.byIds(op.trx, [...new Set(proxies.map((p) => p.port_id))]);
    for (const proxy of proxies) {
      const subnet = (ports.get(proxy.port_id)?.fixed_ips as FixedIp[] | undefined)?.find((ip) => sameIp(ip.ip_address, proxy.ip_address))?.subnet_id;
      if (subnet && removed.includes(subnet)) throw routerInterfaceInUseByNdpProxy(port.device_id, subnet);
    }
  }

  // ------------------------------------------------------------------ routers' enable_ndp_proxy

  /** Which of the routers have NDP proxy switched on (a row in router_ndp_proxy_enabled). */
  private async switchedOn(q: Tx, routerIds: string[]): Promise<Set<string>> {
    if (!routerIds.length) return new Set();
    const rows = await q.selectFrom('router_ndp_proxy_enabled').select('router_id').where('router_id', 'in', routerIds).execute();
    return new Set(rows.map((r: Item) => r.router_id as string));
  }

  private async enabled(q: Tx, router: Item): Promise<boolean> {
    return !!router.gw_network_id && (await this.switchedOn(q, [router.id])).has(router.id);
  }

  private async store(q: Tx, routerId: string, enabled: boolean): Promise<void> {
    await q.deleteFrom('router_ndp_proxy_enabled').where('router_id', '=', routerId).execute();
    if (enabled) await q.insertInto('router_ndp_proxy_enabled').values({ router_id: routerId }).execute();
  }

  /** Wiring (routers render): enable_ndp_proxy, false without a gateway. */
  async extendRouters(q: Tx, routers: Item[]): Promise<void> {
    const on = await this.switchedOn(q, routers.filter((r) => r.gw_network_id).map((r) => r.id));
    for (const router of routers) router.enable_ndp_proxy = !!router.gw_network_id && on.has(router.id);
  }

  /** Wiring (routers list filter): ?enable_ndp_proxy=true|false. */
  filterRouters(q: Query, values: unknown[]): Query {
    const wanted = new Set(values.map((v) => toBoolean(v)));
    const enabled = (eb: any) => eb.and([eb('routers.gw_network_id', 'is not', null), eb('routers.id', 'in', eb.selectFrom('router_ndp_proxy_enabled').select('router_id'))]);
    if (wanted.has(true) && wanted.has(false)) return q;
    return q.where((eb: any) => (wanted.has(true) ? enabled(eb) : eb.not(enabled(eb))));
  }

  /** A gateway network NDP proxies can work with: IPv6 subnets, all in one address scope. */
  private async networkSupports(q: Tx, networkId: string | null): Promise<boolean> {
    return (await this.ipv6Scope(q, networkId)) !== null;
  }

  /** Wiring (routers afterCreate): the new router's state, from the request and its gateway. */
  async routerCreated(op: Operation): Promise<void> {
    const { trx, item } = op;
    const given = item.enable_ndp_proxy as boolean | null | undefined;
    const router = await this.routers.get(trx, item.id);
    if (!router.gw_network_id) {
      if (given === true) throw routerGatewayNotValid(router.id, 'The request body not contain external gateway information');
      return;
    }
    const supports = await this.networkSupports(trx, router.gw_network_id);
    if (given === true && !supports) {
      throw routerGatewayNotValid(router.id, `The external network ${router.gw_network_id} don't support IPv6 ndp proxy, the network has no IPv6 subnets or has no IPv6 address scope`);
    }
    await this.store(trx, router.id, given === undefined ? supports && ENABLE_BY_DEFAULT : given === true);
  }

  /** Wiring (routers beforeUpdate, after the router's own step moved its gateway): the state and what proxies keep. */
  async routerUpdating(op: Operation): Promise<void> {
    const changes = changesOf(op);
    if (!changes || op.kind !== 'update') return;
    const { trx, current, item } = op as UpdateOp;
    const given = changes.enable_ndp_proxy as boolean | null | undefined;
    const gatewayGiven = 'gw_port_id' in changes;
    const gatewayLeaves = !!current.gw_network_id && item.gw_network_id !== current.gw_network_id;
    if (gatewayLeaves) {
      if ((await this.repo.findWhere(trx, { router_id: current.id })).length) throw routerGatewayInUseByNdpProxy(current.id);
      if (given === true) throw routerGatewayNotValid(current.id, "The router's external gateway will be unset");
    }
    const gatewayPort = item.gw_port_id ? await this.routers.ports.get(trx, item.gw_port_id) : undefined;
    const gatewayValid = !!gatewayPort && v6Ips(gatewayPort).length > 0 && (await this.networkSupports(trx, item.gw_network_id));
    if (given === true && !gatewayValid) {
      throw routerGatewayNotValid(current.id, 'The router has no external gateway or the external gateway port has no IPv6 address or IPv6 address scope');
    }
    const wasEnabled = await this.enabled(trx, current);
    if (gatewayGiven && !gatewayLeaves && wasEnabled && given !== false && gatewayPort && !v6Ips(gatewayPort).length) throw routerIpv6GatewayInUse(current.id);
    if (given !== undefined) await this.store(trx, current.id, given === true);
    else if (!item.gw_network_id || gatewayLeaves) await this.store(trx, current.id, false);
  }

  /** Wiring (routers beforeDelete): the router's state goes with it. */
  async routerDeleted(op: Operation): Promise<void> {
    await op.trx.deleteFrom('router_ndp_proxy_enabled').where('router_id', '=', op.item.id).execute();
  }
}
