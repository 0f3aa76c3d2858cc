// Router interfaces: attaching a router to a subnet (it takes the subnet's gateway IP on a
// new port) or to an existing port, and detaching it, with Neutron's rules: one router
// port per subnet, no overlapping subnets on one router, and nothing removed that a
// floating IP or an extra route still needs.
import type { Transaction } from 'kysely';
import type { RequestContext } from '../../foundation/context.ts';
import { display, isUuid } from '../../foundation/validation.ts';
import type { Tx } from '../../db/index.ts';
import type { Item } from '../../framework/repository.ts';
import { cidrContains, cidrsOverlap, ipVersion } from './addresses.ts';
import { badRequestFor, interfaceInUseByFloatingIp, interfaceInUseByRoute, interfaceNotFound, interfaceNotFoundForSubnet, portInUse } from './errors.ts';
import { ROUTER_INTERFACE, type FixedIp } from './l3-ports.ts';
import type { ServiceDeps } from '../../framework/deps.ts';

/** A subnet a router is connected to, through one of its interface ports. */
export interface Connection {
  port: Item;
  subnet: Item;
}

export interface Route {
  destination: string;
  nexthop: string;
}

interface InterfaceRequest {
  subnet_id?: string;
  port_id?: string;
}

export class RouterInterfaces {
  constructor(private readonly app: ServiceDeps) {}

  private get routers() {
    return this.app.services.routers;
  }

  /**
   * The subnets router is connected to through its interfaces; `only` narrows them to one
   * interface port or one subnet, read without loading the router's other ports (a router
   * may have hundreds).
   */
  async connected(q: Tx, routerId: string, only: { portId?: string; subnetId?: string } = {}): Promise<Connection[]> {
    const prepared = this.app.database.prepared;
    const rows = only.subnetId
      ? await prepared.run<{ port_id: string }>(q, 'routerPortsOnSubnet', [routerId, only.subnetId], (q, arg) =>
          q
            .selectFrom('router_ports')
            .innerJoin('ipallocations', 'ipallocations.port_id', 'router_ports.port_id')
            .select('router_ports.port_id as port_id')
            .distinct()
            .where('router_ports.router_id', '=', arg(0))
            .where('ipallocations.subnet_id', '=', arg(1)),
        )
      : only.portId
        ? await prepared.run<{ port_id: string }>(q, 'routerPort', [routerId, only.portId], (q, arg) =>
            q.selectFrom('router_ports').select('port_id').where('router_id', '=', arg(0)).where('port_id', '=', arg(1)),
          )
        : await prepared.run<{ port_id: string }>(q, 'routerPorts', [routerId], (q, arg) => q.selectFrom('router_ports').select('port_id').where('router_id', '=', arg(0)));
    const ports = await this.routers.ports.byIds(q, rows.map((r) => r.port_id));
    const fixedIps = [...ports.values()].flatMap((port) => port.fixed_ips.map((ip: FixedIp) => ({ port, ip }))).filter((f) => !only.subnetId || f.ip.subnet_id === only.subnetId);
    const subnetIds = [...new Set(fixedIps.map((f) => f.ip.subnet_id))];
    const subnets = new Map((subnetIds.length ? await this.routers.subnets.repo.findWhere(q, { id: subnetIds }) : []).map((s) => [s.id, s]));
    return fixedIps.filter((f) => subnets.has(f.ip.subnet_id)).map((f) => ({ port: f.port, subnet: subnets.get(f.ip.subnet_id)! }));
  }

  /** The id and CIDR of each subnet router is connected to: one query, no port rows (the overlap check of every add). */
  private async connectedCidrs(q: Tx, routerId: string): Promise<{ id: string; cidr: string }[]> {
    return this.app.database.prepared.run<{ id: string; cidr: string }>(q, 'routerSubnetCidrs', [routerId], (q, arg) =>
      q
        .selectFrom('router_ports')
        .innerJoin('ipallocations', 'ipallocations.port_id', 'router_ports.port_id')
        .innerJoin('subnets', 'subnets.id', 'ipallocations.subnet_id')
        .select(['subnets.id as id', 'subnets.cidr as cidr'])
        .where('router_ports.router_id', '=', arg(0))
        .orderBy('router_ports.port_id'),
    );
  }

  private parseRequest(body: unknown): InterfaceRequest {
    const req = (body ?? {}) as Item;
    if (typeof req !== 'object' || Array.isArray(req)) throw badRequestFor('router', 'Body contains invalid data');
    if (req.port_id !== undefined && req.subnet_id !== undefined && req.port_id !== null && req.subnet_id !== null) {
      // Neutron allows both only for removal (the subnet must then be on the port).
      return { port_id: this.uuid('port_id', req.port_id), subnet_id: this.uuid('subnet_id', req.subnet_id) };
    }
    if (req.port_id) return { port_id: this.uuid('port_id', req.port_id) };
    if (req.subnet_id) return { subnet_id: this.uuid('subnet_id', req.subnet_id) };
    throw badRequestFor('router', 'Either subnet_id or port_id must be specified');
  }

  private uuid(name: string, value: unknown): string {
    if (!isUuid(value)) throw badRequestFor('router', `Invalid input for ${name}. Reason: '${display(value)}' is not a valid UUID`);
    return value;
  }

  /** Neutron's response to add/remove_router_interface. */
  private response(router: Item, port: Item, subnetIds: string[]): Item {
    return {
      id: router.id,
      tenant_id: router.project_id,
      project_id: router.project_id,
      port_id: port.id,
      subnet_id: subnetIds[0],
      subnet_ids: subnetIds,
      network_id: port.network_id,
    };
  }

  async add(trx: Transaction<any>, ctx: RequestContext, routerId: string, body: unknown): Promise<Item> {
    const request = this.parseRequest(body);
    if (request.port_id && request.subnet_id) throw badRequestFor('router', 'Cannot specify both subnet-id and port-id');
    const router = await this.routers.loadForAction(trx, ctx, routerId, 'add_router_interface');
    const port = request.port_id ? await this.attachPort(trx, ctx, router, request.port_id) : await this.attachSubnet(trx, ctx, router, request.subnet_id!);
    await this.app.database.prepared.run(trx, 'routerPorts:insert', [router.id, port.id], (q, arg) => q.insertInto('router_ports').values({ router_id: arg(0), port_id: arg(1) }));
    await this.routers.touch(trx, router.id);
    return this.response(router, port, port.fixed_ips.map((ip: FixedIp) => ip.subnet_id));
  }

  /** An existing port becomes an interface: it must be free and have addresses. */
  private async attachPort(trx: Transaction<any>, ctx: RequestContext, router: Item, portId: string): Promise<Item> {
    await this.app.database.lock(trx, 'ports', 'id', portId);
    const port = await this.routers.ports.service.getVisible(trx, ctx, portId);
    if (port.device_id) throw portInUse(port.id, port.network_id, port.device_id);
    const fixedIps: FixedIp[] = port.fixed_ips ?? [];
    if (!fixedIps.length) throw badRequestFor('router', 'Router port must have at least one fixed IP');
    if (fixedIps.filter((ip) => ipVersion(ip.ip_address) === 4).length > 1) throw badRequestFor('router', 'Cannot have multiple IPv4 subnets on router port');
    const subnets = await this.routers.subnets.repo.findWhere(trx, { id: [...new Set(fixedIps.map((ip) => ip.subnet_id))] });
    await this.checkNoOverlap(trx, router.id, subnets);
    return this.routers.ports.update(trx, ctx, port.id, { device_id: router.id, device_owner: ROUTER_INTERFACE });
  }

  /** A new port on the subnet with the subnet's gateway IP (taken: IP conflict from IPAM). */
  private async attachSubnet(trx: Transaction<any>, ctx: RequestContext, router: Item, subnetId: string): Promise<Item> {
    const subnet = await this.routers.subnets.getVisible(trx, ctx, subnetId);
    if (!subnet.gateway_ip) throw badRequestFor('router', 'Subnet for router interface must have a gateway IP');
    await this.checkNoOverlap(trx, router.id, [subnet]);
    return this.routers.ports.create(trx, ctx, {
      network_id: subnet.network_id,
      project_id: subnet.project_id,
      name: '',
      admin_state_up: true,
      device_id: router.id,
      device_owner: ROUTER_INTERFACE,
      fixed_ips: [{ subnet_id: subnet.id, ip_address: subnet.gateway_ip }],
    });
  }

  /** One port per subnet on a router, and no two connected subnets may overlap. */
  private async checkNoOverlap(trx: Tx, routerId: string, subnets: Item[]): Promise<void> {
    const connected = await this.connectedCidrs(trx, routerId);
    for (const subnet of subnets) {
      for (const other of connected) {
        if (other.id === subnet.id) throw badRequestFor('router', `Router already has a port on subnet ${subnet.id}`);
        if (cidrsOverlap(subnet.cidr, other.cidr)) {
          throw badRequestFor('router', `Cidr ${subnet.cidr} of subnet ${subnet.id} overlaps with cidr ${other.cidr} of subnet ${other.id}`);
        }
      }
    }
  }

  async remove(trx: Transaction<any>, ctx: RequestContext, routerId: string, body: unknown): Promise<Item> {
    const request = this.parseRequest(body);
    const router = await this.routers.loadForAction(trx, ctx, routerId, 'remove_router_interface');
    let removed: Connection[];
    if (request.port_id) {
      const owned = await trx.selectFrom('router_ports').select('port_id').where('router_id', '=', router.id).where('port_id', '=', request.port_id).executeTakeFirst();
      if (!owned) throw interfaceNotFound(router.id, request.port_id);
      removed = await this.connected(trx, router.id, { portId: request.port_id });
      if (request.subnet_id && !removed.some((c) => c.subnet.id === request.subnet_id)) throw interfaceNotFoundForSubnet(router.id, request.subnet_id);
    } else {
      await this.routers.subnets.get(trx, request.subnet_id!);
      removed = await this.connected(trx, router.id, { subnetId: request.subnet_id });
      if (!removed.length) throw interfaceNotFoundForSubnet(router.id, request.subnet_id!);
    }
    for (const { subnet } of removed) await this.checkNotNeeded(trx, router, subnet);
    const port = request.port_id ? (await this.routers.ports.get(trx, request.port_id)) : removed[0].port;
    const subnetIds = removed.map((c) => c.subnet.id);
    const remaining = (port.fixed_ips as FixedIp[]).filter((ip) => !subnetIds.includes(ip.subnet_id));
    if (request.port_id || remaining.length === 0) {
      await this.app.database.prepared.run(trx, 'routerPorts:delete', [port.id], (q, arg) => q.deleteFrom('router_ports').where('port_id', '=', arg(0)));
      await this.routers.ports.delete(trx, ctx, port.id);
    } else {
      // A port on several (IPv6) subnets of one network keeps the others.
      await this.routers.ports.update(trx, ctx, port.id, { fixed_ips: remaining });
    }
    await this.routers.touch(trx, router.id);
    return this.response(router, port, subnetIds);
  }

  /** Floating IPs reached through the subnet and routes via it keep an interface in place. */
  private async checkNotNeeded(trx: Tx, router: Item, subnet: Item): Promise<void> {
    const fips = await this.app.services.floatingips.repo.findWhere(trx, { router_id: router.id });
    const internalIps = [...fips.map((f) => f.fixed_ip_address), ...(await this.app.services.portForwardings.internalIpsVia(trx, fips.map((f) => f.id)))];
    if (internalIps.some((ip) => ip && cidrContains(subnet.cidr, ip))) throw interfaceInUseByFloatingIp(router.id, subnet.id);
    if ((router.routes as Route[] ?? []).some((r) => cidrContains(subnet.cidr, r.nexthop))) throw interfaceInUseByRoute(router.id, subnet.id);
  }
}
