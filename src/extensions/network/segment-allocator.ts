// Network segments: validates provider attributes per network type (flat, vlan, vxlan,
// local) and allocates segmentation ids from the configured ranges. The
// segment_allocations primary key is the truth for "one id once"; a per-pool lock makes
// concurrent tenant allocations wait instead of colliding.
import { randomUUID } from 'node:crypto';
import type { Transaction } from 'kysely';
import type { ServiceDeps } from '../../framework/deps.ts';
import { conflict, invalidInput, NeutronError } from '../../foundation/errors.ts';
import { now } from '../../foundation/time.ts';

export interface SegmentSpec {
  network_type: string;
  physical_network: string | null;
  segmentation_id: number | null;
}

const TUNNEL_MAX = 16777215;
/** Allocated ids read per query while searching for a free one. */
const SCAN_BATCH = 64;

function parseRanges(entries: string[], withPhysnet: boolean): { physnet: string; min: number; max: number }[] {
  return entries.map((e) => {
    const parts = e.split(':');
    if (withPhysnet) return { physnet: parts[0], min: Number(parts[1] ?? 1), max: Number(parts[2] ?? 4094) };
    return { physnet: '', min: Number(parts[0]), max: Number(parts[1]) };
  });
}

/** A range of segmentation ids of one type (and physical network, for VLANs). */
export interface SegmentRange {
  physical_network: string | null;
  minimum: number;
  maximum: number;
}

/**
 * Where tenant networks take ids from besides the configured ranges (network-segment-range):
 * `preferred` ranges are tried first, in order (a project's own, then shared ones); ids in
 * `reserved` ranges (other projects' own) are never given to this project.
 */
export type RangeSource = (trx: Transaction<any>, networkType: string, projectId: string | null) => Promise<{ preferred: SegmentRange[]; reserved: SegmentRange[] }>;

export class SegmentAllocator {
  /** Set by the feature that manages segment ranges (network-segment-range), if present. */
  rangeSource?: RangeSource;
  /** Per range searched, where its next search starts (firstFree). */
  private readonly nextFrom = new Map<string, number>();

  constructor(private readonly app: ServiceDeps) {}

  private get net() {
    return this.app.config.network;
  }

  /** Maximum MTU a network of this type can carry (VXLAN loses 50 bytes to encapsulation). */
  maxMtu(type: string): number {
    return type === 'vxlan' ? this.net.default_mtu - 50 : this.net.default_mtu;
  }

  /** Checks one requested segment and fills nothing; throws InvalidInput as Neutron's type drivers do. */
  validate(spec: SegmentSpec): void {
    const { network_type: type, physical_network: physnet, segmentation_id: segId } = spec;
    switch (type) {
      case 'flat':
        if (!physnet) throw invalidInput('physical_network required for flat provider network');
        if (segId !== null) throw invalidInput('segmentation_id specified for flat provider network');
        if (!this.net.flat_networks.includes('*') && !this.net.flat_networks.includes(physnet)) {
          throw invalidInput(`physical_network '${physnet}' unknown for flat provider network`);
        }
        break;
      case 'vlan':
        if (!physnet) {
          if (segId !== null) throw invalidInput('physical_network required for VLAN provider network');
        } else if (!parseRanges(this.net.network_vlan_ranges, true).some((r) => r.physnet === physnet)) {
          throw invalidInput(`physical_network '${physnet}' unknown for VLAN provider network`);
        }
        if (segId !== null && (segId < 1 || segId > 4094)) throw invalidInput(`segmentation_id out of range (1 through 4094)`);
        break;
      case 'vxlan':
        if (physnet) throw invalidInput('provider:physical_network specified for VXLAN network');
        if (segId !== null && (segId < 1 || segId > TUNNEL_MAX)) throw invalidInput(`segmentation_id out of range (1 through ${TUNNEL_MAX})`);
        break;
      case 'local':
        if (physnet || segId !== null) throw invalidInput('provider:physical_network and provider:segmentation_id not allowed for local network');
        break;
      default:
        throw invalidInput(`network_type value '${type}' not supported`);
    }
  }

  /** The segment a tenant network gets: the first configured tenant type with a free id. */
  async allocateTenant(trx: Transaction<any>, projectId: string | null = null): Promise<SegmentSpec> {
    for (const type of this.net.tenant_network_types) {
      if (type === 'local') return { network_type: 'local', physical_network: null, segmentation_id: null };
      const spec: SegmentSpec = { network_type: type, physical_network: null, segmentation_id: null };
      const filled = await this.fill(trx, spec, false, projectId);
      if (filled) return filled;
    }
    throw new NeutronError(503, 'NoNetworkAvailable', 'Unable to create the network. No tenant network is available for allocation.');
  }

  /** Fills a missing segmentation id (vlan/vxlan) from the configured ranges; null if exhausted. */
  async fill(trx: Transaction<any>, spec: SegmentSpec, required = true, projectId: string | null = null): Promise<SegmentSpec | null> {
    if (spec.segmentation_id !== null || (spec.network_type !== 'vlan' && spec.network_type !== 'vxlan')) return spec;
    let ranges: { physnet: string; min: number; max: number }[] =
      spec.network_type === 'vlan'
        ? parseRanges(this.net.network_vlan_ranges, true).filter((r) => !spec.physical_network || r.physnet === spec.physical_network)
        : parseRanges(this.net.vni_ranges, false);
    let reserved: SegmentRange[] = [];
    // Tenant networks (not provider ones) honour the managed ranges.
    if (!required && this.rangeSource) {
      const managed = await this.rangeSource(trx, spec.network_type, projectId);
      const withPhysnet = spec.network_type === 'vlan';
      ranges = [...managed.preferred.map((r) => ({ physnet: withPhysnet ? (r.physical_network ?? '') : '', min: r.minimum, max: r.maximum })), ...ranges];
      reserved = managed.reserved;
    }
    for (const range of ranges) {
      const physnet = range.physnet;
      await this.app.database.lockKey(trx, `segments:${spec.network_type}:${physnet}`);
      const id = await this.firstFree(trx, spec.network_type, physnet, range.min, range.max, reserved.filter((r) => (r.physical_network ?? '') === physnet));
      if (id !== null) return { network_type: spec.network_type, physical_network: physnet || null, segmentation_id: id };
    }
    if (!required) return null;
    throw new NeutronError(503, 'NoNetworkAvailable', 'Unable to create the network. No tenant network is available for allocation.');
  }

  /**
   * A free id of [min, max] (not allocated, not reserved), searched from where the last search
   * of this range ended (next-fit, wrapping around), so a create reads a handful of rows
   * instead of every id in use. The caller holds the pool's lock; the primary key stays the
   * truth. The remembered start is only a hint: ids below it freed since (a delete here or on
   * another server) are found when the search wraps, and it is the id found, not the one after,
   * so an allocation rolled back leaves its id first in line.
   */
  private async firstFree(trx: Transaction<any>, type: string, physnet: string, min: number, max: number, reserved: SegmentRange[]): Promise<number | null> {
    const key = `${type}:${physnet}:${min}:${max}`;
    const hint = this.nextFrom.get(key);
    const start = hint !== undefined && hint > min && hint <= max ? hint : min;
    const id = (await this.scan(trx, type, physnet, start, max, reserved)) ?? (start > min ? await this.scan(trx, type, physnet, min, start - 1, reserved) : null);
    if (id !== null) {
      if (this.nextFrom.size >= 1000) this.nextFrom.clear();
      this.nextFrom.set(key, id);
    }
    return id;
  }

  /** The lowest id of [from, to] neither allocated nor reserved: allocated ids read in order, a batch at a time. */
  private async scan(trx: Transaction<any>, type: string, physnet: string, from: number, to: number, reserved: SegmentRange[]): Promise<number | null> {
    // The first id at or after id outside every reserved range.
    const skipReserved = (id: number): number => {
      for (let moved = true; moved; ) {
        moved = false;
        for (const r of reserved) if (id >= r.minimum && id <= r.maximum) { id = r.maximum + 1; moved = true; }
      }
      return id;
    };
    let candidate = skipReserved(from);
    while (candidate <= to) {
      const rows = await this.app.database.prepared.run<{ segmentation_id: number }>(trx, 'segments:allocatedFrom', [type, physnet, candidate, to, SCAN_BATCH], (q, arg) =>
        q
          .selectFrom('segment_allocations')
          .select('segmentation_id')
          .where('network_type', '=', arg(0))
          .where('physical_network', '=', arg(1))
          .where('segmentation_id', '>=', arg(2))
          .where('segmentation_id', '<=', arg(3))
          .orderBy('segmentation_id')
          .limit(arg(4)),
      );
      for (const { segmentation_id: used } of rows) {
        if (used > candidate) return candidate;
        if (used === candidate) candidate = skipReserved(candidate + 1);
        if (candidate > to) return null;
      }
      if (rows.length < SCAN_BATCH) return candidate;
    }
    return null;
  }

  /** Stores the segments of a network and reserves their ids (409 when taken). */
  async store(trx: Transaction<any>, networkId: string, projectId: string, specs: SegmentSpec[]): Promise<void> {
    const ts = now();
    for (const [index, spec] of specs.entries()) {
      const id = randomUUID();
      const row = { id, project_id: projectId, name: '', description: '', created_at: ts, updated_at: ts, revision_number: 0, network_id: networkId, network_type: spec.network_type, physical_network: spec.physical_network, segmentation_id: spec.segmentation_id, segment_index: index };
      const columns = Object.keys(row) as (keyof typeof row)[];
      await this.app.database.prepared.run(trx, 'segments:store', columns.map((c) => row[c]), (q, arg) => q.insertInto('network_segments').values(Object.fromEntries(columns.map((c, i) => [c, arg(i)]))));
      await this.reserve(trx, id, spec);
    }
  }

  /** Reserves the segmentation of segment id (flat: its physical network); 409 when another segment holds it. */
  async reserve(trx: Transaction<any>, id: string, spec: SegmentSpec): Promise<void> {
    const key = spec.network_type === 'flat' ? 0 : spec.segmentation_id;
    if (key === null) return;
    const physnet = spec.physical_network ?? '';
    // One statement: the primary key decides, an id already held inserts nothing.
    const { numAffectedRows } = await this.app.database.prepared.exec(trx, 'segments:reserve', [spec.network_type, physnet, key, id], (q, arg) =>
      q
        .insertInto('segment_allocations')
        .values({ network_type: arg(0), physical_network: arg(1), segmentation_id: arg(2), segment_id: arg(3) })
        .onConflict((oc: any) => oc.doNothing()),
    );
    if (!numAffectedRows) throw this.inUse(spec);
  }

  private inUse(spec: SegmentSpec): NeutronError {
    if (spec.network_type === 'flat') return conflict('FlatNetworkInUse', `Unable to create the flat network. Physical network ${spec.physical_network} is in use.`);
    if (spec.network_type === 'vlan') return conflict('VlanIdInUse', `Unable to create the network. The VLAN ${spec.segmentation_id} on physical network ${spec.physical_network} is in use.`);
    return conflict('TunnelIdInUse', `Unable to create the network. The tunnel ID ${spec.segmentation_id} is in use.`);
  }

  async segmentsOf(q: Transaction<any> | ServiceDeps['database']['db'], networkIds: string[]): Promise<Map<string, SegmentSpec[]>> {
    const map = new Map<string, SegmentSpec[]>();
    if (networkIds.length === 0) return map;
    const rows = await this.app.database.prepared.runIn(q, 'segments:of', [], networkIds, (q, _arg, oneOf) =>
      q.selectFrom('network_segments').select(['network_id', 'network_type', 'physical_network', 'segmentation_id']).where(oneOf('network_id')).orderBy('segment_index'),
    );
    for (const r of rows) {
      const list = map.get(r.network_id) ?? [];
      list.push({ network_type: r.network_type, physical_network: r.physical_network ?? null, segmentation_id: r.segmentation_id ?? null });
      map.set(r.network_id, list);
    }
    return map;
  }
}
