// Networks: segments (provider / multi-provider), MTU, visibility of shared and external
// networks, and the rules for deleting a network that still has ports.
import type { Transaction } from 'kysely';
import type { ServiceDeps } from '../../framework/deps.ts';
import type { RequestContext } from '../../foundation/context.ts';
import { conflict, invalidInput } from '../../foundation/errors.ts';
import type { Tx } from '../../db/index.ts';
import { ResourceService, type Item, type RenderOptions } from '../../framework/resource-service.ts';
import type { Batch, CreateOp, DeleteOp, UpdateOp } from '../../framework/operation.ts';
import type { Query } from '../../framework/repository.ts';
import { SegmentAllocator, type SegmentSpec } from './segment-allocator.ts';

const PROVIDER = ['provider:network_type', 'provider:physical_network', 'provider:segmentation_id'] as const;

/** Ports a network deletes by itself (Neutron's auto-delete owners); any other port blocks the delete. */
const AUTO_DELETE_PORT_OWNERS = ['network:dhcp', 'network:router_ha_interface', 'network:distributed'];

declare module '../../framework/lookup.ts' {
  interface ServiceLookup {
    networks: NetworkService;
  }
}

export class NetworkService extends ResourceService {
  readonly segments: SegmentAllocator;

  constructor(app: ServiceDeps) {
    super(app, 'networks');
    this.segments = new SegmentAllocator(app);
    const segmentFilter = (column: string) => (q: Query, values: unknown[]) =>
      q.where((eb: any) =>
        eb.exists(
          eb
            .selectFrom('network_segments')
            .select('network_segments.id')
            .whereRef('network_segments.network_id', '=', 'networks.id')
            .where(`network_segments.${column}`, 'in', values.map((v) => (column === 'segmentation_id' ? Number(v) : v))),
        ),
      );
    this.customFilters['provider:network_type'] = segmentFilter('network_type');
    this.customFilters['provider:physical_network'] = segmentFilter('physical_network');
    this.customFilters['provider:segmentation_id'] = segmentFilter('segmentation_id');
  }

  /** The requested segments: provider:* or segments (not both), or none for a tenant network. */
  private requestedSegments(item: Item): SegmentSpec[] | null {
    const hasProvider = PROVIDER.some((k) => item[k] !== undefined);
    if (hasProvider && item.segments !== undefined) throw invalidInput('Segments and provider values cannot both be set.');
    if (hasProvider) {
      if (item['provider:network_type'] === undefined || item['provider:network_type'] === null) throw invalidInput('network_type required');
      return [
        {
          network_type: item['provider:network_type'],
          physical_network: item['provider:physical_network'] ?? null,
          segmentation_id: item['provider:segmentation_id'] ?? null,
        },
      ];
    }
    if (item.segments !== undefined) {
      const list = item.segments as Item[];
      if (!list.length) throw invalidInput('At least one segment must be given');
      const specs = list.map((s) => {
        if (!s || typeof s !== 'object') throw invalidInput('segments must be dictionaries');
        const unknown = Object.keys(s).filter((k) => !PROVIDER.includes(k as (typeof PROVIDER)[number]));
        if (unknown.length) throw invalidInput(`Unrecognized attribute(s) '${unknown.join(', ')}'`);
        if (!s['provider:network_type']) throw invalidInput('network_type required');
        return { network_type: s['provider:network_type'], physical_network: s['provider:physical_network'] ?? null, segmentation_id: s['provider:segmentation_id'] ?? null };
      });
      const keys = specs.map((s) => `${s.network_type}:${s.physical_network}:${s.segmentation_id}`);
      if (new Set(keys).size !== keys.length) throw invalidInput('Duplicate segment entry in request.');
      return specs;
    }
    return null;
  }

  protected override async beforeCreate(op: CreateOp): Promise<void> {
    const { trx, item } = op;
    const requested = this.requestedSegments(item);
    let specs: SegmentSpec[];
    if (requested) {
      for (const spec of requested) {
        if (spec.segmentation_id !== null && typeof spec.segmentation_id !== 'number') spec.segmentation_id = Number(spec.segmentation_id);
        this.segments.validate(spec);
      }
      specs = [];
      for (const spec of requested) specs.push((await this.segments.fill(trx, spec))!);
    } else {
      specs = [await this.segments.allocateTenant(trx, item.project_id ?? null)];
    }
    for (const k of [...PROVIDER, 'segments']) delete item[k];
    const maxMtu = Math.min(...specs.map((s) => this.segments.maxMtu(s.network_type)));
    if (item.mtu === undefined || item.mtu === null) item.mtu = maxMtu;
    else if (item.mtu > maxMtu) throw invalidInput(`Requested MTU is too big, maximum is ${maxMtu}`);
    item.status = 'ACTIVE';
    item._segments = specs;
  }

  protected override async afterCreate(op: CreateOp): Promise<void> {
    const { trx, item } = op;
    await this.segments.store(trx, item.id, item.project_id, item._segments);
    // The response shows them without reading them back (extend).
    storedSegments(op.batch).set(item.id, item._segments);
    delete item._segments;
  }

  protected override async beforeUpdate(op: UpdateOp): Promise<void> {
    const { trx, current, changes } = op;
    const segs = (await this.segments.segmentsOf(trx, [current.id])).get(current.id) ?? [];
    for (const k of PROVIDER) {
      if (!(k in changes)) continue;
      const field = k.slice('provider:'.length) as keyof SegmentSpec;
      if (segs.length !== 1 || segs[0][field] !== changes[k]) throw invalidInput('Plugin does not support updating provider attributes');
      delete changes[k];
    }
    if ('segments' in changes) throw invalidInput('Plugin does not support updating the following segments attributes');
    if (changes.mtu !== undefined) {
      const maxMtu = Math.min(...segs.map((s) => this.segments.maxMtu(s.network_type)));
      if (changes.mtu > maxMtu) throw invalidInput(`Requested MTU is too big, maximum is ${maxMtu}`);
    }
  }

  protected override async beforeDelete(op: DeleteOp): Promise<void> {
    const { trx, ctx, item: current } = op;
    const ports = await this.repo.prepared.run<{ id: string; device_owner: string }>(trx, 'portsOfNetwork', [current.id], (q, arg) =>
      q.selectFrom('ports').select(['id', 'device_owner']).where('network_id', '=', arg(0)),
    );
    if (ports.some((p) => !AUTO_DELETE_PORT_OWNERS.includes(p.device_owner))) {
      throw conflict('NetworkInUse', `Unable to complete operation on network ${current.id}. There are one or more ports still in use on the network.`);
    }
    if (ports.length) {
      const deleted = await trx.deleteFrom('ports').where('network_id', '=', current.id).returning(this.app.feed.stateColumns('ports')).execute();
      this.app.feed.recordDeletedRows(trx, 'ports', deleted); // change feed
    }
    const subnets = await this.repo.prepared.run<{ id: string }>(trx, 'subnetsOfNetwork', [current.id], (q, arg) => q.selectFrom('subnets').select('id').where('network_id', '=', arg(0)));
    for (const s of subnets) await this.app.services.get('subnets')?.deleteIn(trx, ctx, s.id, { internal: true });
  }

  protected override async extend(q: Tx, _ctx: RequestContext, items: Item[], options: RenderOptions = {}): Promise<void> {
    const ids = items.map((i) => i.id);
    const stored = options.created && options.batch ? storedSegments(options.batch) : undefined;
    const segments = stored && ids.every((id) => stored.has(id)) ? stored : await this.segments.segmentsOf(q as Transaction<any>, ids);
    const subnets = new Map<string, string[]>();
    for (let i = 0; i < ids.length && !options.created; i += 500) { // a new network has no subnets
      const rows = await q.selectFrom('subnets').select(['id', 'network_id']).where('network_id', 'in', ids.slice(i, i + 500)).orderBy('created_at').execute();
      for (const r of rows) subnets.set(r.network_id, [...(subnets.get(r.network_id) ?? []), r.id]);
    }
    const hasProvider = this.app.registry.has('provider');
    for (const item of items) {
      item.subnets = subnets.get(item.id) ?? [];
      if ('availability_zones' in this.resource.attributes) item.availability_zones = [];
      if (!hasProvider) continue;
      const segs = segments.get(item.id) ?? [];
      if (segs.length === 1) {
        item['provider:network_type'] = segs[0].network_type;
        item['provider:physical_network'] = segs[0].physical_network;
        item['provider:segmentation_id'] = segs[0].segmentation_id;
      } else if (segs.length > 1 && this.app.registry.has('multi-provider')) {
        item.segments = segs.map((s) => ({
          'provider:network_type': s.network_type,
          'provider:physical_network': s.physical_network,
          'provider:segmentation_id': s.segmentation_id,
        }));
      }
    }
  }
}

/** The segments afterCreate stored in this request, by network id. */
const storedSegments = (batch: Batch) => batch.shared('networks:storedSegments', () => new Map<string, SegmentSpec[]>());
