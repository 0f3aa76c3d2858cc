// Floating IPs: an address from an external network (held by a port with device_owner
// network:floatingip) that can be associated with a fixed IP of an internal port, when a
// router connects that port's subnet to the external network.
import type { Transaction } from 'kysely';
import type { ServiceDeps } from '../../framework/deps.ts';
import type { RequestContext } from '../../foundation/context.ts';
import { NeutronError } from '../../foundation/errors.ts';
import type { Tx } from '../../db/index.ts';
import { randomUUID } from 'node:crypto';
import { ResourceService, type CreateOptions, type Item } from '../../framework/resource-service.ts';
import type { CreateOp, DeleteOp, Operation, UpdateOp } from '../../framework/operation.ts';
import { ipVersion } from './addresses.ts';
import { badRequestFor, fipInUseByPortForwarding, floatingIpNotFound, floatingIpPortAlreadyAssociated, gatewayNotFoundForFloatingIp, uniqueAs } from './errors.ts';
import { FLOATINGIP_OWNER, type FixedIp } from './l3-ports.ts';

/** What association stores on the floating IP. */
interface Association {
  port_id: string | null;
  fixed_ip_address: string | null;
  router_id: string | null;
}

const DISASSOCIATED: Association = { port_id: null, fixed_ip_address: null, router_id: null };

declare module '../../framework/lookup.ts' {
  interface ServiceLookup {
    floatingips: FloatingIpService;
  }
}

export class FloatingIpService extends ResourceService {
  constructor(app: ServiceDeps) {
    super(app, 'floatingips');
    // Deleting a port disassociates its floating IPs (Neutron's disassociate_floatingips).
  }

  /** Wiring (ports beforeDelete): the port's floating IPs are disassociated. */
  async disassociatePort(op: Operation): Promise<void> {
    for (const fip of await this.repo.findWhere(op.trx, { port_id: op.item.id })) await this.writeChanges(op.trx, fip.id, this.withStatus({ ...DISASSOCIATED }, fip.status));
  }

  /**
   * Wiring (networks beforeDelete): deleting an external network deletes its unused
   * floating IPs (Neutron's delete_disassociated_floatingips); associated ones keep the network in use.
   */
  async deleteUnassociatedOn(op: Operation): Promise<void> {
    for (const fip of await this.repo.findWhere(op.trx, { floating_network_id: op.item.id, port_id: null, router_id: null })) {
      await this.deleteIn(op.trx, op.ctx, fip.id, { internal: true });
    }
  }

  private get routers() {
    return this.app.services.routers;
  }

  /**
   * The status the API writes: with agents that report it (linux backend), DOWN until an L3
   * agent has realized the mapping, as Neutron's L3 agents do (no agent: it stays DOWN);
   * otherwise ACTIVE while associated. Undefined: leave it to the agents.
   */
  private statusFor(portId: string | null, current?: string): string | undefined {
    if (this.app.backend.capabilities?.reportsL3Status) return current ? undefined : 'DOWN';
    return portId ? 'ACTIVE' : 'DOWN';
  }

  protected override notFound(id: string): NeutronError {
    return floatingIpNotFound(id);
  }

  // ------------------------------------------------------------------ create

  protected override async beforeCreate(op: CreateOp): Promise<void> {
    const { trx, ctx, item } = op;
    const networkId = item.floating_network_id;
    const network = await this.app.services.networks.getVisible(trx, ctx, networkId);
    if (!network['router:external']) throw badRequestFor('floatingip', `Network ${networkId} is not a valid external network`);
    if (item.fixed_ip_address && !item.port_id) throw badRequestFor('floatingip', 'fixed_ip_address cannot be specified without a port_id');
    item.id = randomUUID();
    const requested: Partial<FixedIp> = {};
    if (item.subnet_id) requested.subnet_id = item.subnet_id;
    if (item.floating_ip_address) requested.ip_address = item.floating_ip_address;
    delete item.subnet_id;
    const body: Item = { network_id: networkId, project_id: '', name: '', admin_state_up: true, device_id: item.id, device_owner: FLOATINGIP_OWNER };
    if (Object.keys(requested).length) body.fixed_ips = [requested];
    const port = await this.routers.ports.create(trx, ctx, body);
    const v4 = (port.fixed_ips as FixedIp[]).find((ip) => ipVersion(ip.ip_address) === 4);
    if (!v4) throw badRequestFor('floatingip', `Network ${networkId} does not contain any IPv4 subnet`);
    item.floating_port_id = port.id;
    item.floating_ip_address = v4.ip_address;
    Object.assign(item, item.port_id ? await this.associate(trx, ctx, item, item.port_id, item.fixed_ip_address) : DISASSOCIATED);
    item.status = this.statusFor(item.port_id);
  }

  override async createIn(trx: Transaction<any>, ctx: RequestContext, body: Item, options?: CreateOptions): Promise<Item> {
    return this.raceSafe(() => super.createIn(trx, ctx, body, options));
  }

  // ------------------------------------------------------------------ association

  protected override async beforeUpdate(op: UpdateOp): Promise<void> {
    const { trx, ctx, current, changes } = op;
    // An update that names nothing (`{"floatingip": {}}`) disassociates, as in Neutron;
    // one that changes only other attributes (description) keeps the association.
    if (Object.keys(changes).length === 0) changes.port_id = null;
    if (!('port_id' in changes) && !('fixed_ip_address' in changes)) return;
    const portId = 'port_id' in changes ? changes.port_id : current.port_id;
    if (!portId) {
      if (changes.fixed_ip_address) throw badRequestFor('floatingip', 'fixed_ip_address cannot be specified without a port_id');
      // A floating IP used by port forwardings keeps their router.
      Object.assign(changes, this.withStatus({ ...DISASSOCIATED, router_id: current.port_id ? null : current.router_id }, current.status));
      return;
    }
    Object.assign(changes, this.withStatus(await this.associate(trx, ctx, current, portId, changes.fixed_ip_address ?? null), current.status));
  }

  override async updateIn(trx: Transaction<any>, ctx: RequestContext, id: string, body: Item, options?: CreateOptions & { ifMatch?: number[] }): Promise<Item> {
    return this.raceSafe(() => super.updateIn(trx, ctx, id, body, options));
  }

  /**
   * Checks that fip may be associated with portId's fixed IP (given, or its only IPv4
   * address) and finds the router that connects them.
   */
  private async associate(trx: Tx, ctx: RequestContext, fip: Item, portId: string, fixedIp: string | null): Promise<Association> {
    const port = await this.routers.ports.get(trx, portId);
    if (!ctx.isAdmin && port.project_id !== fip.project_id) {
      throw badRequestFor('floatingip', `Cannot process floating IP association with Port ${portId}, since that port is owned by a different tenant`);
    }
    const v4 = (port.fixed_ips as FixedIp[]).filter((ip) => ipVersion(ip.ip_address) === 4);
    let internal: FixedIp | undefined;
    if (fixedIp) {
      if (ipVersion(fixedIp) !== 4) throw badRequestFor('floatingip', `Cannot process floating IP association with ${fixedIp}, since that is not an IPv4 address`);
      internal = v4.find((ip) => ip.ip_address === fixedIp);
      if (!internal) throw badRequestFor('floatingip', `Port ${portId} does not have fixed ip ${fixedIp}`);
    } else {
      if (v4.length === 0) throw badRequestFor('floatingip', `Cannot add floating IP to port ${portId} that has no fixed IPv4 addresses`);
      if (v4.length > 1) throw badRequestFor('floatingip', `Port ${portId} has multiple fixed IPv4 addresses.  Must provide a specific IPv4 address when assigning a floating IP`);
      internal = v4[0];
    }
    const forwardings = this.app.services.portForwardings;
    if (fip.id && (await forwardings.repo.findWhere(trx, { floatingip_id: fip.id })).length) throw fipInUseByPortForwarding(fip.id);
    if ((await forwardings.repo.findWhere(trx, { internal_port_id: portId })).length) {
      throw new NeutronError(400, 'PortHasPortForwarding', `Cannot associate floating IP to port ${portId} because it already has a Port Forwarding binding.`);
    }
    // Serializes associations to one port so the check below holds (the unique key backs it up).
    await this.app.database.lockKey(trx, `floatingip-fixed:${portId}`);
    const taken = await this.repo.findWhere(trx, { floating_network_id: fip.floating_network_id, port_id: portId, fixed_ip_address: internal.ip_address });
    if (taken.some((other) => other.id !== fip.id)) throw floatingIpPortAlreadyAssociated(fip as { id: string; floating_ip_address: string; floating_network_id: string }, portId, internal.ip_address);
    const routerId = await this.routers.routerReaching(trx, port.network_id, internal.subnet_id, fip.floating_network_id);
    if (!routerId) throw gatewayNotFoundForFloatingIp(fip.floating_network_id, internal.subnet_id, portId);
    return { port_id: portId, fixed_ip_address: internal.ip_address, router_id: routerId };
  }

  private withStatus(association: Association, current: string): Association & { status?: string } {
    const status = this.statusFor(association.port_id, current);
    return status ? { ...association, status } : association;
  }

  /** A concurrent association that slipped past the check hits the unique key: same 409. */
  private raceSafe<T>(fn: () => Promise<T>): Promise<T> {
    return uniqueAs(fn, () => new NeutronError(409, 'FloatingIPPortAlreadyAssociated', 'The fixed IP already has a floating IP on this external network.'));
  }

  // ------------------------------------------------------------------ delete / render

  protected override async beforeDelete(op: DeleteOp): Promise<void> {
    const { trx, ctx, item: current } = op;
    // Its port forwardings must go first (409, as Neutron).
    if ((await this.app.services.portForwardings.repo.findWhere(trx, { floatingip_id: current.id })).length) throw fipInUseByPortForwarding(current.id);
    await this.routers.ports.delete(trx, ctx, current.floating_port_id);
  }

  protected override async extend(q: Tx, _ctx: RequestContext, items: Item[]): Promise<void> {
    const attrs = this.resource.attributes;
    const ports = 'port_details' in attrs ? await this.routers.ports.byIds(q, items.map((f) => f.port_id).filter(Boolean)) : new Map<string, Item>();
    const forwardings = 'port_forwardings' in attrs ? await this.app.services.portForwardings.summaries(q, items.map((f) => f.id)) : new Map<string, Item[]>();
    for (const fip of items) {
      if ('port_details' in attrs) {
        const port = fip.port_id ? ports.get(fip.port_id) : undefined;
        fip.port_details = port
          ? {
              name: port.name,
              network_id: port.network_id,
              mac_address: port.mac_address,
              admin_state_up: port.admin_state_up,
              status: port.status,
              device_id: port.device_id,
              device_owner: port.device_owner,
            }
          : null;
      }
      if ('port_forwardings' in attrs) fip.port_forwardings = forwardings.get(fip.id) ?? [];
    }
  }
}
