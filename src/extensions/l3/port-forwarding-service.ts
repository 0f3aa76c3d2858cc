// Port forwardings of a floating IP (/floatingips/{id}/port_forwardings): (protocol,
// external port) of the floating IP → (internal IP, port) of a Neutron port that a router
// connects to the floating IP's network. A floating IP either forwards ports or is
// associated with one port, never both. The first forwarding sets the floating IP's router.
// With floating-ip-port-forwarding-port-ranges, each side is a range (external_port /
// internal_port hold its first port, *_end its last); ranges of one socket may not overlap.
import type { Transaction } from 'kysely';
import type { ServiceDeps } from '../../framework/deps.ts';
import type { RequestContext } from '../../foundation/context.ts';
import { NeutronError } from '../../foundation/errors.ts';
import type { Tx } from '../../db/index.ts';
import { ResourceService, type CreateOptions, type Item } from '../../framework/resource-service.ts';
import type { CreateOp, DeleteOp, Operation, UpdateOp } from '../../framework/operation.ts';
import { ipVersion } from './addresses.ts';
import { badRequestFor, floatingIpPortAlreadyAssociated, portForwardingNotFound, portHasBindingFloatingIp, uniqueAs } from './errors.ts';
import type { FixedIp } from './l3-ports.ts';
import type { Query } from '../../framework/repository.ts';
import { formatRange, overlaps, parsePortRange, type PortRange } from './port-ranges.ts';
import { badRequest } from '../../foundation/errors.ts';

const RESOURCE = 'port_forwarding';
const PORT_RANGES = 'floating-ip-port-forwarding-port-ranges';
type Side = 'external' | 'internal';

declare module '../../framework/lookup.ts' {
  interface ServiceLookup {
    portForwardings: PortForwardingService;
  }
}

export class PortForwardingService extends ResourceService {
  /** Whether forwardings take port ranges (the alias is served). */
  private readonly ranged: boolean;

  constructor(app: ServiceDeps) {
    super(app, 'port_forwardings');
    this.ranged = app.registry.has(PORT_RANGES);
    if (this.ranged) this.customFilters.external_port_range = (q, values) => filterByRange(q, values);
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
    if (this.ranged) this.resolvePorts(item, item, undefined);
    if (fip.port_id) throw floatingIpPortAlreadyAssociated(fip as { id: string; floating_ip_address: string; floating_network_id: string }, item.internal_port_id, item.internal_ip_address ?? '');
    await this.place(trx, ctx, fip, item);
  }

  protected override async beforeUpdate(op: UpdateOp): Promise<void> {
    const { trx, ctx, current, changes } = op;
    await this.app.database.lock(trx, 'floatingips', 'id', current.floatingip_id);
    const fip = await this.floatingips.get(trx, current.floatingip_id);
    if (this.ranged) this.resolvePorts(changes, changes, current);
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
    // A fixed IP reached through a floating IP of its own is not forwarded to (Neutron's PortHasBindingFloatingIP).
    const bound = await this.floatingips.repo.findWhere(trx, { port_id: port.id, fixed_ip_address: internal.ip_address });
    if (bound.length) throw portHasBindingFloatingIp(fip as { id: string; floating_ip_address: string }, port.id, internal.ip_address);
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
    if (this.ranged) return this.checkCollisions(trx, pf, selfId);
    const keys = [
      { floatingip_id: pf.floatingip_id, external_port: pf.external_port, protocol: pf.protocol },
      { internal_port_id: pf.internal_port_id, internal_ip_address: pf.internal_ip_address, internal_port: pf.internal_port, protocol: pf.protocol },
    ];
    for (const key of keys) {
      const existing = await this.repo.findWhere(trx, key);
      if (existing.some((e) => e.id !== selfId)) throw duplicate(key);
    }
  }

  /**
   * Each side of a forwarding as a range, from its single port or its range (not both, as
   * one side is one or the other), written back into target as first/last port: on create
   * both sides are needed; on update a side not given keeps current's. Neutron relates the
   * sides N-N or 1-N: a ranged internal side has the external side's length.
   */
  private resolvePorts(target: Item, given: Item, current: Item | undefined): void {
    const side = (name: Side): PortRange => {
      const single = given[`${name}_port`];
      const range = given[`${name}_port_range`];
      if (single != null && range != null) throw badRequestFor(RESOURCE, `${name}_port and ${name}_port_range cannot be given together`);
      if (range != null) return parsePortRange(range).range!;
      if (single != null) return { start: single, end: single };
      if (current) return { start: current[`${name}_port`], end: current[`${name}_port_end`] ?? current[`${name}_port`] };
      throw badRequest(`Failed to parse request. Required attribute '${name}_port' or '${name}_port_range' not specified`);
    };
    const external = side('external');
    const internal = side('internal');
    if (internal.end > internal.start && internal.end - internal.start !== external.end - external.start) {
      throw badRequestFor(RESOURCE, 'Invalid ranges of internal and/or external ports. The relation between internal and external ports must be N-N or 1-N');
    }
    delete target.external_port_range;
    delete target.internal_port_range;
    Object.assign(target, { external_port: external.start, external_port_end: external.end, internal_port: internal.start, internal_port_end: internal.end });
  }

  /** Neutron's collision checks: no overlap of external ranges per floating IP and protocol, nor of internal ranges per socket. */
  private async checkCollisions(trx: Tx, pf: Item, selfId?: string): Promise<void> {
    const rangeOf = (item: Item, name: Side): PortRange => ({ start: item[`${name}_port`], end: item[`${name}_port_end`] ?? item[`${name}_port`] });
    const checks: [Side, Record<string, unknown>][] = [
      ['internal', { internal_port_id: pf.internal_port_id, protocol: pf.protocol, internal_ip_address: pf.internal_ip_address }],
      ['external', { floatingip_id: pf.floatingip_id, protocol: pf.protocol }],
    ];
    for (const [name, where] of checks) {
      const wanted = rangeOf(pf, name);
      for (const other of await this.repo.findWhere(trx, where)) {
        if (other.id === selfId || !overlaps(rangeOf(other, name), wanted)) continue;
        throw badRequestFor(RESOURCE, `There is a port collision with the ${name}_port_range. The following ranges collide: ${formatRange(rangeOf(other, name))} and ${formatRange(wanted)}`);
      }
    }
  }

  /** With port ranges: each side's range, and its single port only when the range has one port. */
  protected override async extend(_q: Tx, _ctx: RequestContext, items: Item[]): Promise<void> {
    if (this.ranged) for (const item of items) Object.assign(item, rangeAttributes(item));
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
      const summary: Item = { id: pf.id, protocol: pf.protocol, internal_ip_address: pf.internal_ip_address, internal_port: pf.internal_port, internal_port_id: pf.internal_port_id, external_port: pf.external_port, description: pf.description };
      // Ranges too (Neutron leaves them out): what realizes the forwarding reads them here.
      list.push(this.ranged ? Object.assign(summary, rangeAttributes(pf)) : summary);
      out.set(pf.floatingip_id, list);
    }
    return out;
  }
}

/** A stored forwarding's ports as the API shows them with port ranges. */
function rangeAttributes(pf: Item): Item {
  const out: Item = {};
  for (const name of ['external', 'internal'] as const) {
    const start = pf[`${name}_port`];
    const end = pf[`${name}_port_end`] ?? start;
    out[`${name}_port`] = start === end ? start : null;
    out[`${name}_port_range`] = `${start}:${end}`;
  }
  return out;
}

/** ?external_port_range=80:90 (or 80): forwardings of exactly that external range. */
function filterByRange(q: Query, values: unknown[]): Query {
  const ranges = values.map((v) => {
    const { range, reason } = parsePortRange(v);
    if (!range) throw badRequest(`Invalid input for external_port_range. Reason: ${reason}.`);
    return range;
  });
  return q.where((eb: any) => eb.or(ranges.map((r) => eb.and([eb('port_forwardings.external_port', '=', r.start), eb('port_forwardings.external_port_end', '=', r.end)]))));
}

/** Neutron's message names the conflicting values as a Python dict. */
function duplicate(key: Record<string, unknown>): NeutronError {
  const values = Object.entries(key)
    .map(([k, v]) => `'${k}': ${typeof v === 'number' ? v : `'${String(v)}'`}`)
    .join(', ');
  return badRequestFor(RESOURCE, `A duplicate port forwarding entry with same attributes already exists, conflicting values are {${values}}`);
}

const raceSafe = <T>(fn: () => Promise<T>) => uniqueAs(fn, () => badRequestFor(RESOURCE, 'A duplicate port forwarding entry with same attributes already exists'));
