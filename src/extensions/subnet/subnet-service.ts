// Subnets: addressing validation (CIDR, gateway, allocation pools, DNS, routes, IPv6
// modes), CIDRs from subnet pools, no overlap within a network, and deletion only when
// no port other than DHCP (or automatic IPv6 addresses) uses the subnet.
import type { Transaction } from 'kysely';
import type { ServiceDeps } from '../../framework/deps.ts';
import type { RequestContext } from '../../foundation/context.ts';
import { badRequest, conflict, invalidInput } from '../../foundation/errors.ts';
import type { Tx } from '../../db/index.ts';
import { ResourceService, type CreateOptions, type Item } from '../../framework/resource-service.ts';
import type { CreateOp, DeleteOp, UpdateOp } from '../../framework/operation.ts';
import { isForeignKeyViolation } from '../../db/index.ts';
import type { Query } from '../../framework/repository.ts';
import { cidrsOverlap, parseCidr, type Cidr } from '../ipam/address.ts';
import { checkGatewayOutsidePools, defaultPools, validatePools, type Pool } from '../ipam/pools.ts';
import { isAutoAddressSubnet, ROUTER_INTERFACE_OWNERS } from '../ipam/port-addresses.ts';
import { subnetInUse } from '../ipam/errors.ts';
import { grantedObjects } from '../../framework/rbac/access.ts';
import {
  defaultGateway,
  type Ipv6Modes,
  validateGateway,
  validateHostRoutes,
  validateIpv6Modes,
  validateNameservers,
  validateServiceTypes,
  validateSubnetCidr,
} from './subnet-validation.ts';

const ipv6ModesOf = (s: Item, cidr: Cidr): Ipv6Modes => ({
  ip_version: s.ip_version,
  cidr,
  enable_dhcp: s.enable_dhcp,
  ipv6_ra_mode: s.ipv6_ra_mode ?? null,
  ipv6_address_mode: s.ipv6_address_mode ?? null,
});

declare module '../../framework/lookup.ts' {
  interface ServiceLookup {
    subnets: SubnetService;
  }
}

export class SubnetService extends ResourceService {
  constructor(app: ServiceDeps) {
    super(app, 'subnets');
  }

  /**
   * Non-admins see their own subnets and those of networks shared with them (get_subnet:
   * `rule:shared`, decided per item on the network's sharing as the caller sees it).
   */
  protected override scope(ctx: RequestContext, q: Query): Query {
    return q.where((eb: any) => eb.or([eb('subnets.project_id', '=', ctx.projectId), eb('subnets.network_id', 'in', grantedObjects(eb, 'network', ctx.projectId, ['access_as_shared']))]));
  }

  protected override async beforeCreate(op: CreateOp): Promise<void> {
    const { trx, ctx, item } = op;
    await this.app.services.networks.getVisible(trx, ctx, item.network_id);
    // Serializes subnet changes per network: overlap checks hold under concurrency.
    await this.app.database.lock(trx, 'networks', 'id', item.network_id);
    if (item.cidr !== undefined && item.prefixlen !== undefined) throw badRequest('Bad subnets request: cidr and prefixlen must not be supplied together.', 'BadRequest');
    if (item.subnetpool_id || item.use_default_subnetpool) {
      item.cidr = await this.app.services.subnetpools.allocateCidr(trx, ctx, item);
    } else if (item.cidr === undefined) {
      throw badRequest('Bad subnets request: a subnetpool must be specified in the absence of a cidr.', 'BadRequest');
    }
    delete item.use_default_subnetpool;
    delete item.prefixlen;
    item.cidr = validateSubnetCidr(item.cidr, item.ip_version);
    const cidr = parseCidr(item.cidr);
    if (item.gateway_ip === undefined) item.gateway_ip = defaultGateway(cidr);
    else if (item.gateway_ip !== null) item.gateway_ip = validateGateway(item.gateway_ip, cidr, item.ip_version);
    item.allocation_pools =
      item.allocation_pools === undefined ? defaultPools(cidr, item.gateway_ip) : validatePools(item.allocation_pools, cidr, item.cidr, item.gateway_ip);
    item.dns_nameservers = validateNameservers(item.dns_nameservers);
    item.host_routes = validateHostRoutes(item.host_routes, item.ip_version);
    if (item.service_types !== undefined) item.service_types = validateServiceTypes(item.service_types);
    validateIpv6Modes(ipv6ModesOf(item, cidr));
    if (item.segment_id) await this.checkSegment(trx, item.network_id, item.segment_id);
    const siblings = await trx.selectFrom('subnets').select(['cidr']).where('network_id', '=', item.network_id).execute();
    if (siblings.some((s: { cidr: string }) => cidrsOverlap(parseCidr(s.cidr), cidr))) {
      throw invalidInput(`Requested subnet with cidr: ${item.cidr} for network: ${item.network_id} overlaps with another subnet`);
    }
  }

  private async checkSegment(trx: Tx, networkId: string, segmentId: string): Promise<void> {
    const seg = await trx.selectFrom('network_segments').select('network_id').where('id', '=', segmentId).executeTakeFirst();
    if (!seg) throw badRequest(`Segment ${segmentId} could not be found.`, 'SegmentNotFound');
    if (seg.network_id !== networkId) throw invalidInput(`Segment ${segmentId} is not on network ${networkId}`);
  }

  protected override async afterCreate(op: CreateOp): Promise<void> {
    const { trx, item } = op;
    // A network's revision covers its subnets.
    await this.app.services.networks.touch(trx, item.network_id);
  }

  protected override async beforeUpdate(op: UpdateOp): Promise<void> {
    const { trx, current, changes } = op;
    const cidr = parseCidr(current.cidr);
    const gateway = 'gateway_ip' in changes ? changes.gateway_ip : current.gateway_ip;
    if ('gateway_ip' in changes && gateway !== null) {
      changes.gateway_ip = validateGateway(gateway, cidr, current.ip_version);
      await this.checkGatewayFree(trx, current.id, changes.gateway_ip);
    }
    if ('allocation_pools' in changes) {
      changes.allocation_pools = validatePools(changes.allocation_pools, cidr, current.cidr, changes.gateway_ip ?? gateway);
    } else if ('gateway_ip' in changes && changes.gateway_ip !== null) {
      checkGatewayOutsidePools(changes.gateway_ip, current.allocation_pools as Pool[]);
    }
    if ('dns_nameservers' in changes) changes.dns_nameservers = validateNameservers(changes.dns_nameservers, current.id);
    if ('host_routes' in changes) changes.host_routes = validateHostRoutes(changes.host_routes, current.ip_version, current.id);
    if ('service_types' in changes) changes.service_types = validateServiceTypes(changes.service_types);
    if ('segment_id' in changes && changes.segment_id !== current.segment_id && changes.segment_id) await this.checkSegment(trx, current.network_id, changes.segment_id);
    validateIpv6Modes(ipv6ModesOf({ ...current, ...changes }, cidr));
  }

  /** A new gateway may not be an address a (non-router) port holds. */
  private async checkGatewayFree(trx: Tx, subnetId: string, gateway: string): Promise<void> {
    const holder = await trx
      .selectFrom('ipallocations')
      .innerJoin('ports', 'ports.id', 'ipallocations.port_id')
      .select(['ports.id', 'ports.device_owner'])
      .where('ipallocations.subnet_id', '=', subnetId)
      .where('ipallocations.ip_address', '=', gateway)
      .executeTakeFirst();
    if (holder && !ROUTER_INTERFACE_OWNERS.includes(holder.device_owner)) {
      throw conflict('GatewayIpInUse', `Current gateway ip ${gateway} already in use by port ${holder.id}. Unable to update.`);
    }
  }

  /** A port that claimed an address here while the subnet was being deleted (PostgreSQL) makes it in use. */
  override async deleteIn(trx: Transaction<any>, ctx: RequestContext, id: string, options: CreateOptions & { ifMatch?: number[] } = {}): Promise<void> {
    try {
      await super.deleteIn(trx, ctx, id, options);
    } catch (err) {
      throw isForeignKeyViolation(err) ? subnetInUse(id) : err;
    }
  }

  protected override async beforeDelete(op: DeleteOp): Promise<void> {
    const { trx, item: current } = op;
    await this.app.database.lock(trx, 'networks', 'id', current.network_id);
    const users = await trx
      .selectFrom('ipallocations')
      .innerJoin('ports', 'ports.id', 'ipallocations.port_id')
      .select(['ports.id as port_id', 'ports.device_owner'])
      .where('ipallocations.subnet_id', '=', current.id)
      .execute();
    const auto = isAutoAddressSubnet(current as { ip_version: number; ipv6_address_mode: string | null });
    // DHCP ports, and automatic IPv6 addresses of non-router ports, go with the subnet.
    const removable = (owner: string) => owner === 'network:dhcp' || (auto && !ROUTER_INTERFACE_OWNERS.includes(owner));
    if (users.some((u: { device_owner: string }) => !removable(u.device_owner))) throw subnetInUse(current.id);
    if (users.length) await this.app.services.ports.dropSubnetAddresses(trx, current.id, [...new Set(users.map((u: { port_id: string }) => u.port_id))]);
    await this.app.services.networks.touch(trx, current.network_id);
  }
}
