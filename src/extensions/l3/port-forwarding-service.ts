// Port forwardings of a floating IP (/floatingips/{id}/port_forwardings): (protocol,
// external port) of the floating IP → (internal IP, port) of a Neutron port that a router
// connects to the floating IP's network. A floating IP either forwards ports or is
// associated with one port, never both. The first forwarding sets the floating IP's router.
import type { Transaction } from 'kysely';
import type { ServiceDeps } from '../../framework/deps.ts';
import type { RequestContext } from '../../foundation/context.ts';
import { NeutronError } from '../../foundation/errors.ts';
import type { Tx } from '../../db/index.ts';
import { ResourceService, type CreateOptions, type Item } from '../../framework/resource-service.ts';
import type { CreateOp, DeleteOp, Operation, UpdateOp } from '../../framework/operation.ts';
import { ipVersion } from './addresses.ts';
import { badRequestFor, floatingIpPortAlreadyAssociated, portForwardingNotFound, uniqueAs } from './errors.ts';
import type { FixedIp } from './l3-ports.ts';

const RESOURCE = 'port_forwarding';

declare module '../../framework/lookup.ts' {
  interface ServiceLookup {
    portForwardings: PortForwardingService;
  }
}

export class PortForwardingService extends ResourceService {
  constructor(app: ServiceDeps) {
    super(app, 'port_forwardings');
    // A port's forwardings go with it.
  }

  /** Wiring (ports beforeDelete): the port's forwardings are deleted with it. */
  async deleteForPort(op: Operation): Promise<void> {
    for (const pf of await this.repo.findWhere(op.trx, { internal_port_id: op.item.id })) await this.remove(op.trx, pf);
  }

  protected override notFound(id: string): NeutronError {
    return portForwardingNotFound(id);
  }

  private get floatingips() {
    return this.app.services.floatingips;
  }

  protected override async beforeCreate(op: CreateOp): Promise<void> {
    const { trx, ctx, item } = op;
    await this.app.database.lock(trx, 'floatingips', 'id', item.floatingip_id);
    const fip = await this.floatingips.get(trx, item.floatingip_id);
    item.project_id = fip.project_id;
    if (fip.port_id) throw floatingIpPortAlreadyAssociated(fip as { id: string; floating_ip_address: string; floating_network_id: string }, item.internal_port_id, item.internal_ip_address ?? '');
    await this.place(trx, ctx, fip, item);
  }

  protected override async beforeUpdate(op: UpdateOp): Promise<void> {
    const { trx, ctx, current, changes } = op;
    await this.app.database.lock(trx, 'floatingips', 'id', current.floatingip_id);
    const fip = await this.floatingips.get(trx, current.floatingip_id);
    const merged = { ...current, ...changes };
    if ('internal_port_id' in changes && !('internal_ip_address' in changes)) merged.internal_ip_address = null;
    await this.place(trx, ctx, fip, merged, current.id);
    changes.internal_ip_address = merged.internal_ip_address;
  }

  /**
   * Resolves the internal address (given, or the port's first IPv4 one), checks that the
   * floating IP's router reaches it and that no other forwarding uses the same sockets.
   */
  private async place(trx: Tx, _ctx: RequestContext, fip: Item, pf: Item, selfId?: string): Promise<void> {
    const port = await this.app.services.routers.ports.get(trx, pf.internal_port_id);
    const v4 = (port.fixed_ips as FixedIp[]).filter((ip) => ipVersion(ip.ip_address) === 4);
    if (!v4.length) throw badRequestFor(RESOURCE, `Requested internal port ${port.id} must allocate an IPv4 address at least`);
    const internal = pf.internal_ip_address ? v4.find((ip) => ip.ip_address === pf.internal_ip_address) : v4[0];
    if (!internal) {
      throw badRequestFor(RESOURCE, `Requested internal IP address ${pf.internal_ip_address} is not suitable for internal neutron port ${port.id}, as its fixed_ips are ${JSON.stringify(v4)}`);
    }
    pf.internal_ip_address = internal.ip_address;
    const routerId = await this.app.services.routers.routerReaching(trx, port.network_id, internal.subnet_id, fip.floating_network_id);
    if (!routerId) {
      throw badRequestFor(
        RESOURCE,
        `External network ${fip.floating_network_id} is not reachable from subnet ${internal.subnet_id}. Cannot set Port forwarding for port ${port.id} with Floating IP ${fip.id}`,
      );
    }
    if (fip.router_id && fip.router_id !== routerId) {
      throw badRequestFor(RESOURCE, `The Floating IP ${fip.id} had been set on router ${fip.router_id}, the internal Neutron port ${port.id} can not reach it`);
    }
    await this.checkUnique(trx, pf, selfId);
    if (!fip.router_id) await this.floatingips.writeChanges(trx, fip.id, { router_id: routerId });
  }

  private async checkUnique(trx: Tx, pf: Item, selfId?: string): Promise<void> {
    const keys = [
      { floatingip_id: pf.floatingip_id, external_port: pf.external_port, protocol: pf.protocol },
      { internal_port_id: pf.internal_port_id, internal_ip_address: pf.internal_ip_address, internal_port: pf.internal_port, protocol: pf.protocol },
    ];
    for (const key of keys) {
      const existing = await this.repo.findWhere(trx, key);
      if (existing.some((e) => e.id !== selfId)) throw duplicate(key);
    }
  }

  override async createIn(trx: Transaction<any>, ctx: RequestContext, body: Item, options?: CreateOptions): Promise<Item> {
    return raceSafe(() => super.createIn(trx, ctx, body, options));
  }

  override async updateIn(trx: Transaction<any>, ctx: RequestContext, id: string, body: Item, options?: CreateOptions & { ifMatch?: number[] }): Promise<Item> {
    return raceSafe(() => super.updateIn(trx, ctx, id, body, options));
  }

  protected override async beforeDelete(op: DeleteOp): Promise<void> {
    const { trx, item: current } = op;
    await this.releaseRouter(trx, current);
  }

  /** Deletes a forwarding without the API checks (its port is going away). */
  private async remove(trx: Transaction<any>, pf: Item): Promise<void> {
    await this.releaseRouter(trx, pf);
    await this.repo.deleteById(trx, pf.id);
    this.app.feed.record(trx, 'port_forwardings', pf.id, 'deleted', this.app.feed.before('port_forwardings', pf)); // change feed
  }

  /** The last forwarding of a floating IP takes its router along. */
  private async releaseRouter(trx: Tx, pf: Item): Promise<void> {
    const siblings = await this.repo.findWhere(trx, { floatingip_id: pf.floatingip_id });
    if (siblings.every((s) => s.id === pf.id)) await this.floatingips.writeChanges(trx, pf.floatingip_id, { router_id: null });
  }

  /** Internal addresses forwarded to by these floating IPs (they keep router interfaces in use). */
  async internalIpsVia(q: Tx, fipIds: string[]): Promise<string[]> {
    if (!fipIds.length) return [];
    return (await this.repo.findWhere(q, { floatingip_id: fipIds })).map((pf) => pf.internal_ip_address);
  }

  /** The forwardings of each floating IP as `port_forwardings` shows them. */
  async summaries(q: Tx, fipIds: string[]): Promise<Map<string, Item[]>> {
    const out = new Map<string, Item[]>();
    if (!fipIds.length) return out;
    for (const pf of await this.repo.findWhere(q, { floatingip_id: fipIds })) {
      const list = out.get(pf.floatingip_id) ?? [];
      list.push({ id: pf.id, protocol: pf.protocol, internal_ip_address: pf.internal_ip_address, internal_port: pf.internal_port, internal_port_id: pf.internal_port_id, external_port: pf.external_port, description: pf.description });
      out.set(pf.floatingip_id, list);
    }
    return out;
  }
}

/** Neutron's message names the conflicting values as a Python dict. */
function duplicate(key: Record<string, unknown>): NeutronError {
  const values = Object.entries(key)
    .map(([k, v]) => `'${k}': ${typeof v === 'number' ? v : `'${String(v)}'`}`)
    .join(', ');
  return badRequestFor(RESOURCE, `A duplicate port forwarding entry with same attributes already exists, conflicting values are {${values}}`);
}

const raceSafe = <T>(fn: () => Promise<T>) => uniqueAs(fn, () => badRequestFor(RESOURCE, 'A duplicate port forwarding entry with same attributes already exists'));
