// Routers: CRUD with the external gateway (a port on a router:external network),
// interfaces (member actions add/remove_router_interface), extra routes and the rules
// that keep them consistent with the ports, subnets and floating IPs that use them.
import type { Transaction } from 'kysely';
import type { ServiceDeps } from '../../framework/deps.ts';
import type { RequestContext } from '../../foundation/context.ts';
import { NeutronError, notAuthorized } from '../../foundation/errors.ts';
import { invalidAttr, validateAttribute } from '../../foundation/validation.ts';
import type { Tx } from '../../db/index.ts';
import { MAX_ROUTES, validateRoutes } from './definitions/extraroute.ts';
import { ResourceService, type Item } from '../../framework/resource-service.ts';
import { checkAddedKeys } from '../../framework/definitions.ts';
import { changesOf, type CreateOp, type DeleteOp, type Operation, type UpdateOp } from '../../framework/operation.ts';
import { cidrContains } from './addresses.ts';
import { badRequestFor, gatewayInUseByFloatingIp, invalidRoutes, routerInUse, routerNotFound, routesExhausted } from './errors.ts';
import { FLOATINGIP_OWNER, L3Ports, ROUTER_GATEWAY, type FixedIp } from './l3-ports.ts';
import { RouterInterfaces, type Route } from './router-interfaces.ts';

interface GatewayInfo {
  network_id: string;
  enable_snat?: boolean;
  external_fixed_ips?: Partial<FixedIp>[];
}

/** The stored gateway columns of a router. */
interface GatewayColumns {
  gw_port_id: string | null;
  gw_network_id: string | null;
  enable_snat: boolean;
}

const GATEWAY_KEYS = ['network_id', 'enable_snat', 'external_fixed_ips'];

declare module '../../framework/lookup.ts' {
  interface ServiceLookup {
    routers: RouterService;
  }
}

export class RouterService extends ResourceService {
  readonly ports: L3Ports;
  readonly interfaces: RouterInterfaces;

  constructor(app: ServiceDeps) {
    super(app, 'routers');
    this.ports = new L3Ports(app, (trx, port) => this.usesPort(trx, port));
    this.interfaces = new RouterInterfaces(app);
  }

  /** Wiring (networks beforeUpdate): a network with routers' gateways on it stays external. */
  async keepGatewayNetworksExternal(op: Operation): Promise<void> {
    if (changesOf(op)?.['router:external'] !== false) return;
    const routers = await this.repo.findWhere(op.trx, { gw_network_id: op.item.id });
    if (routers.length) {
      throw new NeutronError(409, 'ExternalNetworkInUse', `External network ${op.item.id} cannot be updated to be made non-external, since it has existing gateway ports.`);
    }
  }

  protected override notFound(id: string): NeutronError {
    return routerNotFound(id);
  }

  /** Whether L3 holds the port: as a router gateway, a router interface or a floating IP's port. */
  private async usesPort(trx: Tx, port: Item): Promise<boolean> {
    if (port.device_owner === ROUTER_GATEWAY) return (await this.repo.findWhere(trx, { gw_port_id: port.id })).length > 0;
    if (port.device_owner === FLOATINGIP_OWNER) return (await this.app.services.floatingips.repo.findWhere(trx, { floating_port_id: port.id })).length > 0;
    return (await trx.selectFrom('router_ports').select('port_id').where('port_id', '=', port.id).executeTakeFirst()) !== undefined;
  }

  /** The router that connects subnet (on network) to externalNetworkId, if any (lowest id first). */
  async routerReaching(trx: Tx, networkId: string, subnetId: string, externalNetworkId: string): Promise<string | undefined> {
    const routers = await this.repo.findWhere(trx, { gw_network_id: externalNetworkId });
    if (!routers.length) return undefined;
    const rows = await trx.selectFrom('router_ports').select(['port_id', 'router_id']).where('router_id', 'in', routers.map((r) => r.id)).execute();
    const ports = await this.ports.byIds(trx, rows.map((r: { port_id: string }) => r.port_id));
    const reaching = rows
      .filter((r: { port_id: string }) => {
        const port = ports.get(r.port_id);
        return port?.network_id === networkId && port.fixed_ips.some((ip: FixedIp) => ip.subnet_id === subnetId);
      })
      .map((r: { router_id: string }) => r.router_id)
      .sort();
    return reaching[0];
  }

  get subnets(): ResourceService {
    const subnets = this.app.services.get('subnets');
    if (!subnets) throw new Error('L3 needs the subnets resource');
    return subnets;
  }

  // ------------------------------------------------------------------ create / update

  protected override async beforeCreate(op: CreateOp): Promise<void> {
    const { item } = op;
    // Status from the dataplane: with a backend whose agents realize routers, BUILD until one reports.
    item.status = this.app.backend.capabilities?.reportsL3Status ? 'BUILD' : 'ACTIVE';
    item.routes = [];
    this.checkAvailabilityZones(item.availability_zone_hints);
    // external_gateway_info stays in the item (it is not stored): keys other features add
    // to it (qos-gateway-ip's qos_policy_id) are theirs to read in their edges.
    item._gateway = this.parseGatewayInfo(item.external_gateway_info);
  }

  protected override async afterCreate(op: CreateOp): Promise<void> {
    const { trx, ctx, item } = op;
    const gateway: GatewayInfo | null = item._gateway;
    delete item._gateway;
    if (!gateway) return;
    const columns = await this.changeGateway(trx, ctx, { id: item.id, gw_port_id: null, gw_network_id: null, enable_snat: true }, gateway);
    await this.repo.updateColumns(trx, item.id, columns);
  }

  protected override async beforeUpdate(op: UpdateOp): Promise<void> {
    const { trx, ctx, current, changes } = op;
    if ('external_gateway_info' in changes) {
      const gateway = this.parseGatewayInfo(changes.external_gateway_info);
      Object.assign(changes, await this.changeGateway(trx, ctx, current as { id: string } & GatewayColumns, gateway));
    }
    if ('routes' in changes) {
      changes.routes ??= [];
      await this.checkRoutes(trx, current.id, changes.routes);
    }
  }

  private checkAvailabilityZones(hints: string[] | undefined): void {
    const known = this.app.config.network.default_availability_zones;
    for (const zone of hints ?? []) {
      if (!known.includes(zone)) throw new NeutronError(404, 'AvailabilityZoneNotFound', `AvailabilityZone ${zone} could not be found.`);
    }
  }

  /** Validates external_gateway_info (null or {} clears the gateway); the generic layer enforces its policy. */
  private parseGatewayInfo(info: Item | null | undefined): GatewayInfo | null {
    if (info === null || info === undefined || Object.keys(info).length === 0) return null;
    const unknown = checkAddedKeys('external_gateway_info', this.resource.attributes.external_gateway_info, info, GATEWAY_KEYS);
    if (unknown.length) throw invalidAttr('external_gateway_info', `Unrecognized attribute(s) '${unknown.join(', ')}'`);
    if (info.network_id === undefined) throw invalidAttr('external_gateway_info', `Validation of dictionary's keys failed. Expected keys: {'network_id'} Provided keys: {${Object.keys(info).map((k) => `'${k}'`).join(', ')}}`);
    const gateway: GatewayInfo = { network_id: validateAttribute('network_id', { type: 'uuid' }, info.network_id) as string };
    if (info.enable_snat !== undefined) gateway.enable_snat = validateAttribute('enable_snat', { type: 'boolean' }, info.enable_snat) as boolean;
    if (info.external_fixed_ips !== undefined) {
      const ips = validateAttribute('external_fixed_ips', { type: 'list' }, info.external_fixed_ips) as unknown[];
      gateway.external_fixed_ips = ips.map((ip) => {
        if (ip === null || typeof ip !== 'object' || Array.isArray(ip)) throw invalidAttr('external_fixed_ips', `'${JSON.stringify(ip)}' is not a dictionary`);
        const { subnet_id, ip_address, ...rest } = ip as Item;
        if (Object.keys(rest).length) throw invalidAttr('external_fixed_ips', `Unrecognized attribute(s) '${Object.keys(rest).join(', ')}'`);
        const out: Partial<FixedIp> = {};
        if (subnet_id !== undefined) out.subnet_id = validateAttribute('subnet_id', { type: 'uuid' }, subnet_id) as string;
        if (ip_address !== undefined) out.ip_address = validateAttribute('ip_address', { type: 'ip' }, ip_address) as string;
        return out;
      });
    }
    return gateway;
  }

  /**
   * Moves router from its current gateway to `gateway` (null: none): removes, creates or
   * re-addresses the gateway port. Returns the gateway columns to store.
   */
  private async changeGateway(trx: Transaction<any>, ctx: RequestContext, router: { id: string } & GatewayColumns, gateway: GatewayInfo | null): Promise<GatewayColumns> {
    const sameNetwork = gateway && router.gw_network_id === gateway.network_id && router.gw_port_id;
    if (router.gw_port_id && !sameNetwork) {
      const fips = await this.app.services.floatingips.repo.findWhere(trx, { router_id: router.id });
      if (fips.length) throw gatewayInUseByFloatingIp(router.id, router.gw_network_id!);
      await this.ports.delete(trx, ctx, router.gw_port_id);
    }
    if (!gateway) return { gw_port_id: null, gw_network_id: null, enable_snat: true };
    const enable_snat = gateway.enable_snat ?? true;
    await this.checkExternalNetwork(trx, ctx, gateway);
    if (sameNetwork) {
      if (gateway.external_fixed_ips) await this.ports.update(trx, ctx, router.gw_port_id!, { fixed_ips: gateway.external_fixed_ips });
      return { gw_port_id: router.gw_port_id, gw_network_id: router.gw_network_id, enable_snat };
    }
    const body: Item = { network_id: gateway.network_id, project_id: '', name: '', admin_state_up: true, device_id: router.id, device_owner: ROUTER_GATEWAY };
    if (gateway.external_fixed_ips) body.fixed_ips = gateway.external_fixed_ips;
    // An external network without subnets is accepted: the gateway port then has no address (as Neutron).
    const port = await this.ports.create(trx, ctx, body);
    return { gw_port_id: port.id, gw_network_id: gateway.network_id, enable_snat };
  }

  private async checkExternalNetwork(trx: Tx, ctx: RequestContext, gateway: GatewayInfo): Promise<void> {
    const network = await this.app.services.networks.getVisible(trx, ctx, gateway.network_id);
    if (!network['router:external']) throw badRequestFor('router', `Network ${gateway.network_id} is not an external network`);
    if (!gateway.external_fixed_ips) return;
    const subnets = await this.subnets.repo.findWhere(trx, { network_id: gateway.network_id });
    for (const ip of gateway.external_fixed_ips) {
      if (ip.ip_address && subnets.some((s) => s.gateway_ip === ip.ip_address)) {
        throw badRequestFor('router', `External IP ${ip.ip_address} is the same as the gateway IP`);
      }
    }
  }

  // ------------------------------------------------------------------ extra routes

  /** Every nexthop must be on a subnet the router is connected to, and not the router itself. */
  async checkRoutes(trx: Tx, routerId: string, routes: Route[]): Promise<void> {
    if (routes.length > MAX_ROUTES) throw routesExhausted(routerId, MAX_ROUTES);
    const connected = await this.interfaces.connected(trx, routerId);
    const ownIps = new Set(connected.flatMap((c) => c.port.fixed_ips.map((ip: FixedIp) => ip.ip_address)));
    for (const route of routes) {
      if (ownIps.has(route.nexthop)) throw invalidRoutes(route, 'the nexthop is used by router');
      if (!connected.some((c) => cidrContains(c.subnet.cidr, route.nexthop))) throw invalidRoutes(route, 'the nexthop is not connected with router');
    }
  }

  /** PUT /routers/{id}/add_extraroutes and remove_extraroutes: change routes atomically. */
  async addExtraRoutes(ctx: RequestContext, id: string, body: unknown): Promise<Item> {
    return this.changeExtraRoutes(ctx, id, body, (current, given) => [...current, ...given.filter((r) => !current.some((c) => sameRoute(c, r)))]);
  }

  async removeExtraRoutes(ctx: RequestContext, id: string, body: unknown): Promise<Item> {
    return this.changeExtraRoutes(ctx, id, body, (current, given) => current.filter((c) => !given.some((r) => sameRoute(c, r))));
  }

  private async changeExtraRoutes(ctx: RequestContext, id: string, body: unknown, merge: (current: Route[], given: Route[]) => Route[]): Promise<Item> {
    const router = (body as Item | null)?.router;
    if (!router || typeof router !== 'object' || !('routes' in router)) throw badRequestFor('router', "Request body must contain 'router' with 'routes'");
    const given = validateAttribute('routes', { type: 'list', validate: validateRoutes }, router.routes) as Route[];
    return this.app.transact(async (trx) => {
      const current = await this.loadForChange(trx, ctx, id, 'update');
      const routes = merge(current.routes ?? [], given);
      return { router: await this.updateIn(trx, ctx, id, { routes }) };
    });
  }

  // ------------------------------------------------------------------ interfaces (member actions)

  async addInterface(ctx: RequestContext, id: string, body: unknown): Promise<Item> {
    return this.app.transact((trx) => this.interfaces.add(trx, ctx, id, body));
  }

  async removeInterface(ctx: RequestContext, id: string, body: unknown): Promise<Item> {
    return this.app.transact((trx) => this.interfaces.remove(trx, ctx, id, body));
  }

  /** Loads a router for a member action: 404 if invisible, 403 if the action is not allowed. */
  async loadForAction(trx: Tx, ctx: RequestContext, id: string, action: string): Promise<Item> {
    await this.app.database.lock(trx, 'routers', 'id', id);
    const router = await this.getVisible(trx, ctx, id);
    if (!this.app.policy.enforce(ctx, action, router)) throw notAuthorized(action);
    return router;
  }

  // ------------------------------------------------------------------ delete / render

  protected override async beforeDelete(op: DeleteOp): Promise<void> {
    const { trx, ctx, item: current } = op;
    const interfaces = await trx.selectFrom('router_ports').select('port_id').where('router_id', '=', current.id).execute();
    if (interfaces.length) throw routerInUse(current.id);
    if (current.gw_port_id) {
      await this.repo.updateColumns(trx, current.id, { gw_port_id: null, gw_network_id: null });
      await this.ports.delete(trx, ctx, current.gw_port_id);
    }
    await trx.updateTable('auto_allocated_topologies').set({ router_id: null }).where('router_id', '=', current.id).execute();
  }

  protected override async extend(q: Tx, _ctx: RequestContext, items: Item[]): Promise<void> {
    const gwPorts = await this.ports.byIds(q, items.map((r) => r.gw_port_id).filter(Boolean));
    for (const router of items) {
      const port = router.gw_port_id ? gwPorts.get(router.gw_port_id) : undefined;
      router.external_gateway_info = router.gw_network_id
        ? {
            network_id: router.gw_network_id,
            enable_snat: router.enable_snat,
            external_fixed_ips: (port?.fixed_ips ?? []).map((ip: FixedIp) => ({ subnet_id: ip.subnet_id, ip_address: ip.ip_address })),
          }
        : null;
      if ('availability_zones' in this.resource.attributes) router.availability_zones = [];
    }
  }
}

const sameRoute = (a: Route, b: Route) => a.destination === b.destination && a.nexthop === b.nexthop;
