// Network segment ranges (/v2.0/network-segment-ranges, admin only): validated per network
// type, shown with the ids still `available` and those `used` (by which project), and fed
// to the network feature's SegmentAllocator (its rangeSource) so tenant networks take ids
// from their project's ranges first, then shared ones, never from another project's.
import type { Transaction } from 'kysely';
import type { ServiceDeps } from '../../framework/deps.ts';
import type { RequestContext } from '../../foundation/context.ts';
import { conflict, invalidInput, NeutronError, notAuthorized } from '../../foundation/errors.ts';
import type { Tx } from '../../db/index.ts';
import { ResourceService, type Item } from '../../framework/resource-service.ts';
import type { CreateOp, DeleteOp, ParentTargets, UpdateOp } from '../../framework/operation.ts';
import type { SegmentRange } from '../network/segment-allocator.ts';

/** The ids each type can carry. */
const LIMITS: Record<string, [number, number]> = { vlan: [1, 4094], vxlan: [1, 16777215], gre: [1, 4294967295], geneve: [1, 16777215] };

declare module '../../framework/lookup.ts' {
  interface ServiceLookup {
    networkSegmentRanges?: NetworkSegmentRangeService;
  }
}

export class NetworkSegmentRangeService extends ResourceService {
  constructor(app: ServiceDeps) {
    super(app, 'network_segment_ranges');
    app.services.networks.segments.rangeSource = (trx, type, projectId) => this.rangesFor(trx, type, projectId);
  }

  protected override notFound(id: string): NeutronError {
    return new NeutronError(404, 'NetworkSegmentRangeNotFound', `Network Segment Range ${id} could not be found.`);
  }

  protected override parseCreate(ctx: RequestContext, body: Item): Item {
    const item = super.parseCreate(ctx, body);
    const named = body && (Object.hasOwn(body, 'project_id') || Object.hasOwn(body, 'tenant_id'));
    if (item.shared === false && !named) throw invalidInput('project_id is required for a network segment range that is not shared');
    // A shared range belongs to no project.
    if (item.shared !== false) item.project_id = null;
    return item;
  }

  /** The admin-only rule first (the generic create would answer a member's shared range, project null, with 400). */
  protected override async authorizeCreate(trx: Tx, ctx: RequestContext, body: Item, item: Item, parents: ParentTargets): Promise<void> {
    if (!this.app.policy.enforce(ctx, 'create_network_segment_range', { ...item })) throw notAuthorized('create_network_segment_range');
    await super.authorizeCreate(trx, ctx, body, item, parents);
  }

  private check(range: Item): void {
    const [low, high] = LIMITS[range.network_type];
    if (range.minimum < low || range.maximum > high || range.minimum > range.maximum) {
      throw invalidInput(`network segment range ${range.minimum}-${range.maximum} is not valid for ${range.network_type}: ids go from ${low} to ${high}, minimum first`);
    }
    if (range.network_type === 'vlan' && !range.physical_network) throw invalidInput('physical_network is required for a vlan network segment range');
    if (range.network_type !== 'vlan' && range.physical_network) throw invalidInput(`physical_network is not allowed for a ${range.network_type} network segment range`);
  }

  protected override async beforeCreate(op: CreateOp): Promise<void> {
    this.check(op.item);
    op.item.default = false;
  }

  protected override async beforeUpdate(op: UpdateOp): Promise<void> {
    const { trx, current, changes } = op;
    const next = { ...current, ...changes };
    this.check(next);
    // Shrinking may not strand a project's networks outside its own range.
    if (!current.shared) await this.refuseStranding(trx, current, next);
  }

  protected override async beforeDelete(op: DeleteOp): Promise<void> {
    if (!op.item.shared) await this.refuseStranding(op.trx, op.item, null);
  }

  /** 409 when a project range loses ids its project's networks use. */
  private async refuseStranding(trx: Tx, current: Item, next: Item | null): Promise<void> {
    const used = await this.usedIn(trx, current);
    const stranded = Object.entries(used).filter(([id, project]) => project === current.project_id && (!next || Number(id) < next.minimum || Number(id) > next.maximum));
    if (stranded.length) throw conflict('NetworkSegmentRangeReferencedByProject', `Network Segment Range ${current.id} is referenced by one or more tenant networks of project ${current.project_id}.`);
  }

  /** Allocated ids inside a range → the project of the network holding each. */
  private async usedIn(q: Tx, range: Item): Promise<Record<string, string>> {
    const rows = await q
      .selectFrom('segment_allocations')
      .innerJoin('network_segments', 'network_segments.id', 'segment_allocations.segment_id')
      .innerJoin('networks', 'networks.id', 'network_segments.network_id')
      .select(['segment_allocations.segmentation_id as segmentation_id', 'networks.project_id as project_id'])
      .where('segment_allocations.network_type', '=', range.network_type)
      .where('segment_allocations.physical_network', '=', range.physical_network ?? '')
      .where('segment_allocations.segmentation_id', '>=', range.minimum)
      .where('segment_allocations.segmentation_id', '<=', range.maximum)
      .orderBy('segment_allocations.segmentation_id')
      .execute();
    return Object.fromEntries(rows.map((r: { segmentation_id: number; project_id: string }) => [String(r.segmentation_id), r.project_id]));
  }

  protected override async extend(q: Tx, _ctx: RequestContext, items: Item[]): Promise<void> {
    for (const range of items) {
      const used = await this.usedIn(q, range);
      range.used = used;
      const available: number[] = [];
      for (let id = range.minimum; id <= range.maximum; id++) if (!(String(id) in used)) available.push(id);
      range.available = available;
    }
  }

  /** The ranges project's tenant networks of type take ids from first, and those it may not use. */
  private async rangesFor(trx: Tx, type: string, projectId: string | null): Promise<{ preferred: SegmentRange[]; reserved: SegmentRange[] }> {
    const rows = await this.repo.findWhere(trx, { network_type: type });
    const toRange = (r: Item): SegmentRange => ({ physical_network: r.physical_network, minimum: r.minimum, maximum: r.maximum });
    const own = rows.filter((r) => !r.shared && r.project_id === projectId);
    const shared = rows.filter((r) => r.shared);
    const others = rows.filter((r) => !r.shared && r.project_id !== projectId);
    return { preferred: [...own, ...shared].map(toRange), reserved: others.map(toRange) };
  }
}
