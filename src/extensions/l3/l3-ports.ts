// The ports L3 owns (router interfaces and gateways, floating IP ports), created, changed
// and deleted through the ports service like any port, and protected from direct deletion
// through the port API (Neutron's L3PortInUse).
import type { Transaction } from 'kysely';
import type { ServiceDeps } from '../../framework/deps.ts';
import type { RequestContext } from '../../foundation/context.ts';
import type { Tx } from '../../db/index.ts';
import type { Item } from '../../framework/repository.ts';
import type { ResourceService } from '../../framework/resource-service.ts';
import type { Operation } from '../../framework/operation.ts';
import { l3PortInUse } from './errors.ts';

export const ROUTER_INTERFACE = 'network:router_interface';
export const ROUTER_GATEWAY = 'network:router_gateway';
export const FLOATINGIP_OWNER = 'network:floatingip';
const L3_OWNERS = [ROUTER_INTERFACE, ROUTER_GATEWAY, FLOATINGIP_OWNER];
/** WriteOptions.by of the port writes L3 makes itself. */
const L3 = 'l3';

export interface FixedIp {
  subnet_id: string;
  ip_address: string;
}

/** Ports are created on the caller's behalf with an elevated context, as Neutron does. */
function elevated(ctx: RequestContext): RequestContext {
  return ctx.isAdmin ? ctx : { ...ctx, isAdmin: true, roles: [...ctx.roles, 'admin'] };
}

export class L3Ports {
  constructor(
    private readonly app: ServiceDeps,
    /** Whether L3 currently uses the port (a router interface/gateway or a floating IP). */
    private readonly inUse: (trx: Tx, port: Item) => Promise<boolean>,
  ) {}

  /** Wiring (ports beforeDelete): a port L3 uses is deleted only by L3 itself (`by: 'l3'`). */
  async refuseDeletingInUse(op: Operation): Promise<void> {
    const port = op.item;
    if (!L3_OWNERS.includes(port.device_owner) || op.options.by === L3) return;
    if (await this.inUse(op.trx, port)) throw l3PortInUse(port.id, port.device_owner);
  }

  get service(): ResourceService {
    const ports = this.app.services.get('ports');
    if (!ports) throw new Error('L3 needs the ports resource');
    return ports;
  }

  async create(trx: Transaction<any>, ctx: RequestContext, body: Item): Promise<Item> {
    return this.service.createIn(trx, elevated(ctx), body, { internal: true });
  }

  async update(trx: Transaction<any>, ctx: RequestContext, id: string, body: Item): Promise<Item> {
    return this.service.updateIn(trx, elevated(ctx), id, body, { internal: true });
  }

  async delete(trx: Transaction<any>, ctx: RequestContext, id: string): Promise<void> {
    await this.service.deleteIn(trx, elevated(ctx), id, { internal: true, by: L3 });
  }

  async get(trx: Tx, id: string): Promise<Item> {
    return this.service.get(trx, id);
  }

  /** Ports by id, in stored form (missing ids are skipped). */
  async byIds(q: Tx, ids: string[]): Promise<Map<string, Item>> {
    const rows = ids.length ? await this.service.repo.findWhere(q, { id: ids }) : [];
    return new Map(rows.map((p) => [p.id, p]));
  }
}
