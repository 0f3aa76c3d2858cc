// Local IPs (/local_ips): the address comes from a given port (one fixed IP, or the one
// asked for) or from a port created for the local IP on a given network (device_owner
// network:local_ip, deleted with it). Port associations (/local_ips/{id}/port_associations,
// keyed by the fixed port) are the ports that use it; a local IP in use is not deleted, and
// the ports local IPs use are not deleted directly (ServicePortInUse).
import { randomUUID } from 'node:crypto';
import type { Transaction } from 'kysely';
import ipaddr from 'ipaddr.js';
import type { ServiceDeps } from '../../framework/deps.ts';
import type { RequestContext } from '../../foundation/context.ts';
import { NeutronError, notAuthorized } from '../../foundation/errors.ts';
import { validateAttribute } from '../../foundation/validation.ts';
import type { Tx } from '../../db/index.ts';
import { ResourceService, type Item } from '../../framework/resource-service.ts';
import type { CreateOp, DeleteOp, Operation } from '../../framework/operation.ts';
import type { Target } from '../../policy/index.ts';
import {
  associationNotFound,
  badRequestFor,
  localIpInUse,
  localIpNoIp,
  localIpNotFound,
  noRequestedIp,
  portOrNetworkRequired,
  requestedIpNotFound,
  servicePortInUse,
} from './errors.ts';

declare module '../../framework/lookup.ts' {
  interface ServiceLookup {
    localIps?: LocalIpService;
  }
}

const LOCAL_IP_OWNER = 'network:local_ip';
/** WriteOptions.by of the local IP's own port writes. */
const BY = 'local-ip';

interface FixedIp {
  subnet_id: string;
  ip_address: string;
}

const sameIp = (a: string, b: string) => ipaddr.parse(a).toString() === ipaddr.parse(b).toString();

/** Ports are created and deleted for the local IP with an elevated context, as Neutron does. */
const elevated = (ctx: RequestContext): RequestContext => (ctx.isAdmin ? ctx : { ...ctx, isAdmin: true, roles: [...ctx.roles, 'admin'] });

/** The fixed IP of port to use: the requested one, or its only one (Neutron's rules for local IPs and associations). */
function pickIp(port: Item, requested: string | null | undefined): string {
  const ips = (port.fixed_ips ?? []) as FixedIp[];
  if (requested) {
    const found = ips.find((ip) => sameIp(ip.ip_address, requested));
    if (!found) throw requestedIpNotFound(port.id, requested);
    return found.ip_address;
  }
  if (!ips.length) throw localIpNoIp(port.id);
  if (ips.length > 1) throw noRequestedIp(port.id);
  return ips[0].ip_address;
}

export class LocalIpService extends ResourceService {
  constructor(deps: ServiceDeps) {
    super(deps, 'local_ips');
  }

  protected override notFound(id: string) {
    return localIpNotFound(id);
  }

  private get ports(): ResourceService {
    return this.app.services.get('ports')!;
  }

  protected override async beforeCreate({ trx, ctx, item }: CreateOp): Promise<void> {
    item.id = randomUUID(); // the new port's device_id
    if (item.local_port_id) {
      const port = await this.visiblePort(trx, ctx, item.local_port_id, 'local_ip');
      item.local_ip_address = pickIp(port, item.local_ip_address);
      item.network_id = port.network_id;
    } else if (item.network_id) {
      const network = await this.app.services.networks.getVisible(trx, ctx, item.network_id);
      const subnets = await this.app.services.get('subnets')!.repo.findWhere(trx, { network_id: network.id });
      if (!subnets.some((s) => s.ip_version === 4)) throw badRequestFor('local_ip', `Network ${network.id} does not contain any IPv4 subnet`);
      // Never shown to the project: the local IP's own port, for the system and admins.
      const port = await this.ports.createIn(
        trx,
        elevated(ctx),
        {
          network_id: network.id,
          project_id: item.project_id,
          admin_state_up: true,
          device_id: item.id,
          device_owner: LOCAL_IP_OWNER,
          ...(item.local_ip_address ? { fixed_ips: [{ ip_address: item.local_ip_address }] } : {}),
        },
        { internal: true, by: BY },
      );
      item.local_port_id = port.id;
      item.local_ip_address = (port.fixed_ips as FixedIp[])[0].ip_address;
    } else {
      throw portOrNetworkRequired();
    }
  }

  /** A port the caller can see, or Neutron's BadRequest naming it (resource: the request's). */
  private async visiblePort(trx: Tx, ctx: RequestContext, id: string, resource: string): Promise<Item> {
    try {
      return await this.ports.getVisible(trx, ctx, id);
    } catch (err) {
      if (err instanceof NeutronError && err.status === 404) throw badRequestFor(resource, `Port ${id} not found`);
      throw err;
    }
  }

  protected override async beforeDelete({ trx, ctx, item }: DeleteOp): Promise<void> {
    const used = await trx.selectFrom('local_ip_associations').select('fixed_port_id').where('local_ip_id', '=', item.id).executeTakeFirst();
    if (used) throw localIpInUse(item.id);
    const port = await this.ports.repo.findById(trx, item.local_port_id);
    if (port?.device_owner === LOCAL_IP_OWNER) await this.ports.deleteIn(trx, elevated(ctx), port.id, { internal: true, by: BY });
  }

  /** Wiring (ports beforeDelete): a port a local IP takes its address from stays (ServicePortInUse). */
  async keepLocalPorts(op: Operation): Promise<void> {
    if (op.options.by === BY) return;
    const used = await this.repo.findWhere(op.trx, { local_port_id: op.item.id });
    if (used.length) throw servicePortInUse(op.item.id, 'still referenced by Local IPs');
  }

  /** Wiring (ports beforeDelete): the port's associations go with it. */
  async forgetFixedPort(op: Operation): Promise<void> {
    await op.trx.deleteFrom('local_ip_associations').where('fixed_port_id', '=', op.item.id).execute();
  }

  // ------------------------------------------------------------------ port associations

  /** The local IP (visible to ctx) and the association's policy target: the local IP's owner as parent. */
  private async parentFor(trx: Tx, ctx: RequestContext, localIpId: string): Promise<{ localIp: Item; target: Target }> {
    const localIp = await this.getVisible(trx, ctx, localIpId);
    const owner = localIp.project_id;
    return { localIp, target: { project_id: owner, tenant_id: owner, 'ext_parent:tenant_id': owner, 'ext_parent:project_id': owner } };
  }

  private enforce(ctx: RequestContext, action: string, target: Target): void {
    if (!this.app.policy.enforce(ctx, action, target)) throw notAuthorized(action);
  }

  /** Associations as Neutron renders them: with the local address and the fixed port's host. */
  private async renderAssociations(q: Tx, localIp: Item, rows: Item[]): Promise<Item[]> {
    const ports = rows.length ? await this.ports.repo.findWhere(q, { id: rows.map((r) => r.fixed_port_id) }) : [];
    const hosts = new Map(ports.map((p) => [p.id, (p['binding:host_id'] as string | undefined) ?? '']));
    return rows.map((r) => ({ local_ip_id: localIp.id, local_ip_address: localIp.local_ip_address, fixed_port_id: r.fixed_port_id, fixed_ip: r.fixed_ip, host: hosts.get(r.fixed_port_id) ?? '' }));
  }

  async listAssociations(ctx: RequestContext, localIpId: string): Promise<Item[]> {
    const db = this.app.database.db;
    const { localIp, target } = await this.parentFor(db, ctx, localIpId);
    this.enforce(ctx, 'get_local_ip_port_association', target);
    const rows = await db.selectFrom('local_ip_associations').selectAll().where('local_ip_id', '=', localIp.id).orderBy('fixed_port_id').execute();
    return this.renderAssociations(db, localIp, rows);
  }

  async showAssociation(ctx: RequestContext, localIpId: string, portId: string): Promise<Item> {
    const db = this.app.database.db;
    const { localIp, target } = await this.parentFor(db, ctx, localIpId);
    this.enforce(ctx, 'get_local_ip_port_association', target);
    const row = await db.selectFrom('local_ip_associations').selectAll().where('local_ip_id', '=', localIp.id).where('fixed_port_id', '=', portId).executeTakeFirst();
    if (!row) throw associationNotFound(localIp.id, portId);
    return (await this.renderAssociations(db, localIp, [row]))[0];
  }

  async createAssociation(ctx: RequestContext, localIpId: string, body: unknown): Promise<Item> {
    const request = (body as Item | null)?.port_association;
    if (!request || typeof request !== 'object' || Array.isArray(request)) throw new NeutronError(400, 'HTTPBadRequest', "Unable to find 'port_association' in request body");
    const unknown = Object.keys(request).filter((k) => !['fixed_port_id', 'fixed_ip', 'project_id', 'tenant_id'].includes(k));
    if (unknown.length) throw new NeutronError(400, 'HTTPBadRequest', `Unrecognized attribute(s) '${unknown.join(', ')}'`);
    if (request.fixed_port_id === undefined) throw new NeutronError(400, 'HTTPBadRequest', "Failed to parse request. Required attribute 'fixed_port_id' not specified");
    const portId = validateAttribute('fixed_port_id', { type: 'uuid' }, request.fixed_port_id) as string;
    const fixedIp = validateAttribute('fixed_ip', { type: 'ip', nullable: true }, request.fixed_ip ?? null) as string | null;
    return this.app.transact(async (trx: Transaction<any>) => {
      await this.app.database.lock(trx, 'local_ips', 'id', localIpId);
      const { localIp, target } = await this.parentFor(trx, ctx, localIpId);
      this.enforce(ctx, 'create_local_ip_port_association', target);
      const port = await this.visiblePort(trx, ctx, portId, 'local_ip_port_association');
      const ip = pickIp(port, fixedIp);
      const existing = await trx.selectFrom('local_ip_associations').select('fixed_port_id').where('local_ip_id', '=', localIp.id).where('fixed_port_id', '=', port.id).executeTakeFirst();
      if (existing) throw new NeutronError(409, 'Conflict', `Local IP ${localIp.id} association to port ${port.id} already exists.`);
      await trx.insertInto('local_ip_associations').values({ local_ip_id: localIp.id, fixed_port_id: port.id, fixed_ip: ip }).execute();
      await this.touch(trx, localIp.id);
      return (await this.renderAssociations(trx, localIp, [{ fixed_port_id: port.id, fixed_ip: ip }]))[0];
    });
  }

  async deleteAssociation(ctx: RequestContext, localIpId: string, portId: string): Promise<void> {
    await this.app.transact(async (trx: Transaction<any>) => {
      await this.app.database.lock(trx, 'local_ips', 'id', localIpId);
      const { localIp, target } = await this.parentFor(trx, ctx, localIpId);
      this.enforce(ctx, 'delete_local_ip_port_association', target);
      const gone = await trx.deleteFrom('local_ip_associations').where('local_ip_id', '=', localIp.id).where('fixed_port_id', '=', portId).executeTakeFirst();
      if (!Number(gone.numDeletedRows)) throw associationNotFound(localIp.id, portId);
      await this.touch(trx, localIp.id);
    });
  }
}
