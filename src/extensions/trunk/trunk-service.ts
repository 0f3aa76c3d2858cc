// Trunks: a parent port that carries subports, each on its own segmentation (a VLAN id,
// or `inherit`: the subport network's own VLAN). The rules are Neutron's trunk plugin's:
// a port is the parent of one trunk and the subport of one trunk and never both; a
// segmentation is used once per trunk; a subport's MTU fits in the parent's; a disabled
// trunk's subports do not change; ports in trunks are not deleted directly. Port rows are
// locked while a port joins a trunk, so two requests cannot both take it.
import { randomUUID } from 'node:crypto';
import { sql, type Transaction } from 'kysely';
import type { ServiceDeps } from '../../framework/deps.ts';
import type { RequestContext } from '../../foundation/context.ts';
import { badRequest, invalidInput, NeutronError, notAuthorized } from '../../foundation/errors.ts';
import { isUuid } from '../../foundation/validation.ts';
import type { Tx } from '../../db/index.ts';
import { isUniqueViolation } from '../../db/index.ts';
import { ResourceService, type Item } from '../../framework/resource-service.ts';
import type { CreateOp, DeleteOp, Operation, WriteOptions } from '../../framework/operation.ts';
import {
  duplicateSubPort,
  parentPortInUse,
  portInUseAsSubPort,
  portInUseAsTrunkParent,
  subPortAttachedElsewhere,
  subPortMtuTooLarge,
  subPortNotFound,
  trunkDisabled,
  trunkInUse,
  trunkNotFound,
  trunkPortInUse,
} from './errors.ts';

export interface SubPort {
  port_id: string;
  segmentation_type: string;
  segmentation_id: number;
}

/** Segmentation types and their valid ids (Neutron's trunk drivers register vlan, and inherit for ironic/OVN). */
const SEGMENTATION_TYPES: Record<string, (id: number) => boolean> = {
  vlan: (id) => id >= 1 && id <= 4094,
};
const INHERIT = 'inherit';
const SUBPORT_KEYS = new Set(['port_id', 'segmentation_type', 'segmentation_id']);

declare module '../../framework/lookup.ts' {
  interface ServiceLookup {
    trunks?: TrunkService;
  }
}

/** Subports requested for a trunk (segmentation still to be resolved for `inherit`). */
interface Requested {
  port_id: string;
  segmentation_type: string;
  segmentation_id: number | null;
}

/** The `sub_ports` list of a request body: a list of objects with a port id and a segmentation. */
function parseSubports(raw: unknown, forRemoval = false): Requested[] {
  if (!Array.isArray(raw)) throw badRequest(`Invalid input for sub_ports. Reason: '${JSON.stringify(raw)}' is not a list.`);
  const seen = new Set<string>();
  return raw.map((entry) => {
    if (entry === null || typeof entry !== 'object' || Array.isArray(entry)) throw badRequest(`Invalid input for sub_ports. Reason: '${JSON.stringify(entry)}' is not a dictionary.`);
    const e = entry as Record<string, unknown>;
    const unknown = Object.keys(e).filter((k) => !SUBPORT_KEYS.has(k));
    if (unknown.length) throw badRequest(`Invalid input for sub_ports. Reason: unrecognized attribute(s) '${unknown.join(', ')}'.`);
    if (typeof e.port_id !== 'string' || !isUuid(e.port_id)) throw badRequest(`Invalid input for sub_ports. Reason: '${String(e.port_id)}' is not a valid UUID.`);
    if (seen.has(e.port_id)) throw badRequest(`Invalid input for sub_ports. Reason: duplicate port ${e.port_id}.`);
    seen.add(e.port_id);
    if (forRemoval) return { port_id: e.port_id, segmentation_type: '', segmentation_id: null };
    const type = e.segmentation_type;
    if (type === INHERIT) return { port_id: e.port_id, segmentation_type: INHERIT, segmentation_id: null };
    if (type === undefined || e.segmentation_id === undefined) {
      throw invalidInput(`Invalid subport details '${JSON.stringify(e)}': missing segmentation information. Must specify both segmentation_id and segmentation_type`);
    }
    const id = typeof e.segmentation_id === 'string' && /^\d+$/.test(e.segmentation_id) ? Number(e.segmentation_id) : e.segmentation_id;
    if (typeof id !== 'number' || !Number.isInteger(id)) throw invalidInput(`Invalid subport details '${JSON.stringify(e)}': segmentation_id is not an integer`);
    if (typeof type !== 'string' || !(type in SEGMENTATION_TYPES)) throw invalidInput(`Unknown segmentation_type '${String(type)}'`);
    if (!SEGMENTATION_TYPES[type](id)) throw invalidInput(`Segmentation ID '${id}' for '${e.port_id}' is not in range`);
    return { port_id: e.port_id, segmentation_type: type, segmentation_id: id };
  });
}

export class TrunkService extends ResourceService {
  constructor(app: ServiceDeps) {
    super(app, 'trunks');
  }

  /** Wiring (ports beforeDelete): ports in trunks are not deleted directly (Neutron's port deletion rules for trunks). */
  async refusePortDelete(op: Operation): Promise<void> {
    const { trx, item: port } = op;
    // One round trip for both questions (every port delete asks them).
    const uses = await trx
      .selectFrom('trunks')
      .select([sql<string>`'parent'`.as('role'), 'id as trunk_id'])
      .where('port_id', '=', port.id)
      .unionAll((eb: any) => eb.selectFrom('trunk_subports').select([sql<string>`'subport'`.as('role'), 'trunk_id']).where('port_id', '=', port.id))
      .execute();
    const parentOf = uses.find((u: { role: string }) => u.role === 'parent');
    if (parentOf) throw portInUseAsTrunkParent(port.id, parentOf.trunk_id);
    if (uses.length) throw portInUseAsSubPort(port.id, uses[0].trunk_id);
  }

  protected override notFound(id: string): NeutronError {
    return trunkNotFound(id);
  }

  private get ports(): ResourceService {
    return this.app.services.get('ports')!;
  }

  // ------------------------------------------------------------------ create / update / delete

  protected override async beforeCreate(op: CreateOp): Promise<void> {
    const { trx, ctx, item } = op;
    const requested = parseSubports(item.sub_ports ?? []);
    await this.app.database.lock(trx, 'ports', 'id', item.port_id);
    const parent = await this.ports.getVisible(trx, ctx, item.port_id);
    await this.checkPortFree(trx, parent.id, true);
    item.status = 'DOWN';
    item.id = randomUUID();
    item.sub_ports = await this.resolve(trx, ctx, parent, requested, [], item.id);
  }

  protected override async afterCreate(op: CreateOp): Promise<void> {
    await this.insertSubports(op.trx, op.item.id, op.item.sub_ports as SubPort[]);
  }

  override async createIn(trx: Transaction<any>, ctx: RequestContext, body: Item, options?: WriteOptions): Promise<Item> {
    return this.raceSafe(() => super.createIn(trx, ctx, body, options), body.port_id);
  }

  protected override async beforeDelete(op: DeleteOp): Promise<void> {
    const { trx, item: current } = op;
    // A trunk whose parent port is bound to a host carries an instance's traffic.
    const parent = await this.ports.repo.findById(trx, current.port_id);
    if (parent && parent['binding:host_id']) throw trunkInUse(current.id);
    await trx.deleteFrom('trunk_subports').where('trunk_id', '=', current.id).execute();
  }

  // ------------------------------------------------------------------ subport actions

  /** PUT /v2.0/trunks/{id}/add_subports {"sub_ports": [...]}: the trunk (unwrapped) with its subports. */
  async addSubports(ctx: RequestContext, id: string, body: { sub_ports?: unknown }): Promise<Item> {
    const requested = parseSubports(body?.sub_ports);
    return this.app.transact(async (trx) => {
      const trunk = await this.loadForAction(trx, ctx, id, 'add_subports');
      const parent = await this.ports.get(trx, trunk.port_id);
      const existing = await this.subportsOf(trx, [id]);
      const added = await this.resolve(trx, ctx, parent, requested, existing.get(id) ?? [], id);
      await this.raceSafe(() => this.insertSubports(trx, id, added), undefined, id);
      return this.afterAction(trx, ctx, id);
    });
  }

  /** PUT /v2.0/trunks/{id}/remove_subports {"sub_ports": [{"port_id": ...}]}. */
  async removeSubports(ctx: RequestContext, id: string, body: { sub_ports?: unknown }): Promise<Item> {
    const requested = parseSubports(body?.sub_ports, true);
    return this.app.transact(async (trx) => {
      await this.loadForAction(trx, ctx, id, 'remove_subports');
      const existing = new Set((await this.subportsOf(trx, [id])).get(id)?.map((s) => s.port_id));
      const missing = requested.find((r) => !existing.has(r.port_id));
      if (missing) throw subPortNotFound(id, missing.port_id);
      if (requested.length) {
        await trx.deleteFrom('trunk_subports').where('trunk_id', '=', id).where('port_id', 'in', requested.map((r) => r.port_id)).execute();
      }
      return this.afterAction(trx, ctx, id);
    });
  }

  /** GET /v2.0/trunks/{id}/get_subports: {"sub_ports": [...]}. */
  async getSubports(ctx: RequestContext, id: string): Promise<{ sub_ports: SubPort[] }> {
    const db = this.app.database.db;
    const trunk = await this.getVisible(db, ctx, id);
    const [target] = await this.policyTargets(db, ctx, [trunk]);
    if (!this.app.policy.enforce(ctx, 'get_subports', target)) throw notAuthorized('get_subports');
    return { sub_ports: (await this.subportsOf(db, [id])).get(id) ?? [] };
  }

  /** The trunk, locked, visible (404), allowed the action (403) and enabled (409 TrunkDisabled). */
  private async loadForAction(trx: Transaction<any>, ctx: RequestContext, id: string, action: string): Promise<Item> {
    await this.app.database.lock(trx, 'trunks', 'id', id);
    const trunk = await this.getVisible(trx, ctx, id);
    const [target] = await this.policyTargets(trx, ctx, [trunk]);
    if (!this.app.policy.enforce(ctx, action, target)) throw notAuthorized(action);
    if (!trunk.admin_state_up) throw trunkDisabled(id);
    return trunk;
  }

  /** A subport change is a change of the trunk (revision, updated_at), answered with the trunk. */
  private async afterAction(trx: Transaction<any>, ctx: RequestContext, id: string): Promise<Item> {
    await this.touch(trx, id);
    this.app.feed.record(trx, 'trunks', id, 'updated'); // change feed
    const trunk = (await this.repo.findById(trx, id))!;
    await this.render(trx, ctx, [trunk]);
    this.app.queueEvent(trx, { resource: 'trunks', action: 'updated', id, body: trunk, context: ctx });
    return trunk;
  }

  // ------------------------------------------------------------------ rules

  /** A port that joins a trunk (as parent or subport) is in no trunk yet. Its row must be locked by the caller. */
  private async checkPortFree(trx: Tx, portId: string, asParent: boolean): Promise<void> {
    const parentOf = await trx.selectFrom('trunks').select('id').where('port_id', '=', portId).executeTakeFirst();
    if (parentOf) throw asParent ? trunkPortInUse(portId) : portInUseAsTrunkParent(portId, parentOf.id);
    const subportOf = await trx.selectFrom('trunk_subports').select('trunk_id').where('port_id', '=', portId).executeTakeFirst();
    if (subportOf) throw portInUseAsSubPort(portId, subportOf.trunk_id);
  }

  /**
   * Checks requested subports of a trunk (parent: its parent port; existing: its subports
   * now) and resolves `inherit` to the subport network's segmentation.
   */
  private async resolve(trx: Tx, ctx: RequestContext, parent: Item, requested: Requested[], existing: SubPort[], trunkId = ''): Promise<SubPort[]> {
    if (!requested.length) return [];
    const networks = this.app.services.get('networks')!;
    const [parentNet] = await networks.repo.findWhere(trx, { id: parent.network_id });
    const used = new Set(existing.map((s) => `${s.segmentation_type}:${s.segmentation_id}`));
    const out: SubPort[] = [];
    for (const r of requested) {
      if (r.port_id === parent.id) throw parentPortInUse(r.port_id);
      await this.app.database.lock(trx, 'ports', 'id', r.port_id);
      const port = await this.ports.getVisible(trx, ctx, r.port_id);
      await this.checkPortFree(trx, port.id, false);
      if (port.device_id && port.device_owner !== 'trunk:subport') throw subPortAttachedElsewhere(port.id, port.device_id);
      const [net] = await networks.repo.findWhere(trx, { id: port.network_id });
      if (parentNet && net && net.mtu > parentNet.mtu) throw subPortMtuTooLarge(port.id, net.mtu, trunkId, parentNet.mtu);
      const sub = r.segmentation_type === INHERIT ? await this.inherited(trx, port) : (r as SubPort);
      const key = `${sub.segmentation_type}:${sub.segmentation_id}`;
      if (used.has(key)) throw duplicateSubPort(sub.segmentation_type, sub.segmentation_id, trunkId);
      used.add(key);
      out.push({ port_id: sub.port_id, segmentation_type: sub.segmentation_type, segmentation_id: sub.segmentation_id });
    }
    return out;
  }

  /** `inherit`: the subport's network's VLAN segment gives the segmentation. */
  private async inherited(trx: Tx, port: Item): Promise<SubPort> {
    const segment = await trx
      .selectFrom('network_segments')
      .select(['network_type', 'segmentation_id'])
      .where('network_id', '=', port.network_id)
      .orderBy('segment_index')
      .executeTakeFirst();
    if (!segment || !(segment.network_type in SEGMENTATION_TYPES) || segment.segmentation_id === null) {
      throw invalidInput(`Segmentation type 'inherit' for '${port.id}': network ${port.network_id} has no segment a trunk can carry (${segment?.network_type ?? 'none'})`);
    }
    return { port_id: port.id, segmentation_type: segment.network_type, segmentation_id: segment.segmentation_id };
  }

  private async insertSubports(trx: Tx, trunkId: string, subports: SubPort[]): Promise<void> {
    if (!subports.length) return;
    await trx
      .insertInto('trunk_subports')
      .values(subports.map((s) => ({ trunk_id: trunkId, port_id: s.port_id, segmentation_type: s.segmentation_type, segmentation_id: s.segmentation_id })))
      .execute();
  }

  /** A race past the checks meets the keys: the parent or a subport taken, or a segmentation used. */
  private async raceSafe<T>(fn: () => Promise<T>, parentPortId?: string, trunkId = ''): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      if (!isUniqueViolation(err)) throw err;
      const text = `${(err as { constraint?: string }).constraint ?? ''} ${(err as Error).message}`;
      if (/segmentation/.test(text)) throw new NeutronError(409, 'DuplicateSubPort', `A segmentation is already in use on trunk ${trunkId}.`);
      if (parentPortId && /trunks/.test(text) && !/subports/.test(text)) throw trunkPortInUse(parentPortId);
      throw new NeutronError(409, 'PortInUseAsSubPort', 'A port is already a subport of a trunk.');
    }
  }

  // ------------------------------------------------------------------ rendering

  async subportsOf(q: Tx, trunkIds: string[]): Promise<Map<string, SubPort[]>> {
    const out = new Map<string, SubPort[]>();
    for (let i = 0; i < trunkIds.length; i += 500) {
      const rows = await q
        .selectFrom('trunk_subports')
        .select(['trunk_id', 'port_id', 'segmentation_type', 'segmentation_id'])
        .where('trunk_id', 'in', trunkIds.slice(i, i + 500))
        .orderBy('segmentation_id')
        .execute();
      for (const r of rows) {
        const list = out.get(r.trunk_id) ?? [];
        list.push({ segmentation_type: r.segmentation_type, port_id: r.port_id, segmentation_id: Number(r.segmentation_id) });
        out.set(r.trunk_id, list);
      }
    }
    return out;
  }

  protected override async extend(q: Tx, _ctx: RequestContext, items: Item[]): Promise<void> {
    const subports = await this.subportsOf(q, items.map((t) => t.id));
    for (const trunk of items) trunk.sub_ports = subports.get(trunk.id) ?? [];
  }

  /** Wiring (ports render), trunk-details: parent ports show their trunk and its subports with MAC addresses. */
  async extendPorts(q: Tx, ports: Item[]): Promise<void> {
    if (!ports.length) return;
    const byPort = new Map<string, string>();
    const rows = await this.repo.prepared.runIn(q, 'trunksOfPorts', [], ports.map((p) => p.id), (q, _arg, oneOf) => q.selectFrom('trunks').select(['id', 'port_id']).where(oneOf('port_id')));
    for (const r of rows) byPort.set(r.port_id, r.id);
    if (!byPort.size) return;
    const subports = await this.subportsOf(q, [...byPort.values()]);
    const subIds = [...subports.values()].flat().map((s) => s.port_id);
    const macs = new Map<string, string>();
    if (subIds.length) for (const p of await this.ports.repo.findWhere(q, { id: subIds })) macs.set(p.id, p.mac_address);
    for (const port of ports) {
      const trunkId = byPort.get(port.id);
      if (!trunkId) continue;
      port.trunk_details = {
        trunk_id: trunkId,
        sub_ports: (subports.get(trunkId) ?? []).map((s) => ({ ...s, mac_address: macs.get(s.port_id) ?? null })),
      };
    }
  }
}
