// Segments (/v2.0/segments, admin only by Neutron's default policy): a network's L2
// segments. A new segment is validated and its segmentation id reserved as provider
// networks' are (the network feature's SegmentAllocator); a segment with subnets is in
// use. Subnets on segments follow Neutron's rules: on a network either every subnet has
// a segment or none has, and a subnet's segment is set once (none → a segment).
import type { Transaction } from 'kysely';
import type { ServiceDeps } from '../../framework/deps.ts';
import type { RequestContext } from '../../foundation/context.ts';
import { badRequest, conflict, NeutronError, notAuthorized } from '../../foundation/errors.ts';
import type { Tx } from '../../db/index.ts';
import { ResourceService, type Item } from '../../framework/resource-service.ts';
import type { CreateOp, DeleteOp, Operation, ParentTargets } from '../../framework/operation.ts';

const hostNotConnected = (host: string, networkId: string) =>
  conflict('HostNotConnectedToAnySegment', `Host ${host} is not connected to any segments on routed provider network '${networkId}'. It should be connected to one.`);
const hostOnSeveralSegments = (host: string, networkId: string) =>
  conflict('HostConnectedToMultipleSegments', `Host ${host} is connected to multiple segments on routed provider network '${networkId}'. It should be connected to one.`);
const hostIncompatible = (host: string, portId: string) =>
  conflict('HostNotCompatibleWithFixedIps', `Host ${host} is not connected to a segment where the existing fixed_ips on port ${portId} will function given the routed network topology.`);

/** The physical networks an agent's host reaches (its L2 agent's interface or bridge mappings). */
function physnetsOf(configurations: unknown): string[] {
  const c = typeof configurations === 'string' ? JSON.parse(configurations) : (configurations ?? {});
  return [...Object.keys(c.interface_mappings ?? {}), ...Object.keys(c.bridge_mappings ?? {})];
}

declare module '../../framework/lookup.ts' {
  interface ServiceLookup {
    segments?: SegmentService;
  }
}

export class SegmentService extends ResourceService {
  constructor(app: ServiceDeps) {
    super(app, 'segments');
  }

  /** Wiring (subnets beforeCreate): on a network, either every subnet is on a segment or none is. */
  async checkNewSubnet(op: Operation): Promise<void> {
    await this.checkSubnetSegments(op.trx, op.item.network_id, op.item.segment_id ?? null);
  }

  /** Wiring (subnets beforeUpdate), subnet-segmentid-writable: only none → a segment, while the network is not routed yet. */
  async checkSubnetSegmentChange(op: Operation): Promise<void> {
    if (op.kind !== 'update' || !('segment_id' in op.changes)) return;
    const { trx, current, changes } = op;
    if ((current.segment_id ?? null) === (changes.segment_id ?? null)) return;
    if (current.segment_id) throw badRequest('A subnet cannot be moved to another segment or taken off its segment.', 'SubnetSegmentAssociationChangeNotAllowed');
    const siblings = await trx.selectFrom('subnets').select('id').where('network_id', '=', current.network_id).where('id', '!=', current.id).execute();
    if (siblings.length) throw badRequest('A subnet can only be put on a segment while it is the only subnet of its network.', 'SubnetSegmentAssociationChangeNotAllowed');
    const segments = await trx.selectFrom('network_segments').select('id').where('network_id', '=', current.network_id).execute();
    if (segments.length > 1) {
      throw badRequest(`Network ${current.network_id} has more than one segment: its subnets cannot be updated to a segment.`, 'NoUpdateSubnetWhenMultipleSegmentsOnNetwork');
    }
  }

  /** Wiring (networks beforeDelete): tags of a network's segments go with it (the rows go by the foreign key). */
  async forgetNetworkTags(op: Operation): Promise<void> {
    await this.repo.prepared.run(op.trx, 'forgetNetworkTags', [op.item.id], (q, arg) =>
      q.deleteFrom('tags').where('resource_id', 'in', (eb: any) => eb.selectFrom('network_segments').select('id').where('network_id', '=', arg(0))),
    );
  }

  /** Wiring (subnets after create/update, before delete), segments-peer-subnet-host-routes. */
  async peerRoutesFor(op: Operation): Promise<void> {
    if (!this.app.registry.has('segments-peer-subnet-host-routes')) return;
    if (op.kind === 'update' && !('segment_id' in op.changes) && !('gateway_ip' in op.changes)) return;
    await this.syncPeerRoutes(op.trx, op.item.network_id, op.kind === 'delete' ? op.item : undefined);
  }

  /**
   * segments-peer-subnet-host-routes: every subnet on a segment routes to the subnets of its
   * IP version on the network's other segments through its own gateway. Routes to subnets of
   * the network via the subnet's gateway are the managed ones (a subnet being deleted: gone).
   */
  private async syncPeerRoutes(trx: Transaction<any>, networkId: string, deleting?: Item): Promise<void> {
    const subnetsService = this.app.services.get('subnets')!;
    const all = await subnetsService.repo.findWhere(trx, { network_id: networkId });
    const live = all.filter((s) => s.id !== deleting?.id);
    const networkCidrs = new Set(all.map((s) => s.cidr as string));
    for (const subnet of live) {
      const routes = (subnet.host_routes ?? []) as { destination: string; nexthop: string }[];
      const own = routes.filter((r) => !(networkCidrs.has(r.destination) && r.nexthop === subnet.gateway_ip));
      const peers =
        subnet.segment_id && subnet.gateway_ip
          ? live
              .filter((p) => p.segment_id && p.segment_id !== subnet.segment_id && p.ip_version === subnet.ip_version)
              .map((p) => ({ destination: p.cidr as string, nexthop: subnet.gateway_ip as string }))
          : [];
      const next = [...own, ...peers];
      if (JSON.stringify(next) !== JSON.stringify(routes)) await subnetsService.writeChanges(trx, subnet.id, { host_routes: next });
    }
  }

  protected override notFound(id: string): NeutronError {
    return new NeutronError(404, 'SegmentNotFound', `Segment ${id} could not be found.`);
  }

  /**
   * create_segment first: the generic create would treat a segment (no project of its own) on
   * a network as "on another project's network" and answer 404 where Neutron answers 403.
   */
  protected override async authorizeCreate(trx: Tx, ctx: RequestContext, body: Item, item: Item, parents: ParentTargets): Promise<void> {
    if (!this.app.policy.enforce(ctx, 'create_segment', { ...item })) throw notAuthorized('create_segment');
    await super.authorizeCreate(trx, ctx, body, item, parents);
  }

  private get allocator() {
    return this.app.services.networks.segments;
  }

  protected override async beforeCreate(op: CreateOp): Promise<void> {
    const { trx, ctx, item } = op;
    await this.app.database.lock(trx, 'networks', 'id', item.network_id);
    await this.app.services.networks.getVisible(trx, ctx, item.network_id);
    const spec = { network_type: item.network_type, physical_network: item.physical_network ?? null, segmentation_id: item.segmentation_id ?? null };
    this.allocator.validate(spec);
    const filled = (await this.allocator.fill(trx, spec))!;
    Object.assign(item, filled);
    const last = (await trx.selectFrom('network_segments').select((eb: any) => eb.fn.max('segment_index').as('n')).where('network_id', '=', item.network_id).executeTakeFirst()) as
      | { n: number | string | null }
      | undefined;
    item.segment_index = last?.n === null || last?.n === undefined ? 0 : Number(last.n) + 1;
  }

  protected override async afterCreate(op: CreateOp): Promise<void> {
    const { trx, item } = op;
    await this.allocator.reserve(trx, item.id, item as { network_type: string; physical_network: string | null; segmentation_id: number | null });
    await this.app.services.networks.touch(trx, item.network_id);
  }

  protected override async beforeDelete(op: DeleteOp): Promise<void> {
    const { trx, item: current } = op;
    const subnet = await trx.selectFrom('subnets').select('id').where('segment_id', '=', current.id).executeTakeFirst();
    if (subnet) throw conflict('SegmentInUse', `Segment '${current.id}' cannot be deleted: The segment is still associated with subnets.`);
    await trx.deleteFrom('segment_allocations').where('segment_id', '=', current.id).execute();
    await this.app.services.networks.touch(trx, current.network_id);
  }

  /** On a network, either every subnet is on a segment or none is (400 SubnetsNotAllAssociatedWithSegments). */
  private async checkSubnetSegments(trx: Tx, networkId: string, segmentId: string | null): Promise<void> {
    const others = await trx.selectFrom('subnets').select('segment_id').where('network_id', '=', networkId).execute();
    if (others.some((s: { segment_id: string | null }) => (s.segment_id === null) !== (segmentId === null))) {
      throw badRequest(`The network '${networkId}' has subnets that are associated with segments and subnets that are not.`, 'SubnetsNotAllAssociatedWithSegments');
    }
  }

  // ------------------------------------------------------------------ ports on routed networks

  /** A routed network: its subnets are on segments (all of them, by checkSubnetSegments). */
  async isRouted(trx: Tx, networkId: string): Promise<boolean> {
    return !!(await trx.selectFrom('subnets').select('id').where('network_id', '=', networkId).where('segment_id', 'is not', null).executeTakeFirst());
  }

  /**
   * The network's segments (those with subnets) a host reaches: the segments whose physical
   * network is in the interface or bridge mappings its agents report — Neutron's segment
   * host mappings, read from the agents rather than kept in a table of their own.
   */
  async segmentsOfHost(trx: Tx, networkId: string, host: string): Promise<string[]> {
    const agents = await trx.selectFrom('agents').select('configurations').where('host', '=', host).execute();
    const physnets = [...new Set(agents.flatMap((a: { configurations: unknown }) => physnetsOf(a.configurations)))];
    if (physnets.length === 0) return [];
    const rows = await trx
      .selectFrom('network_segments')
      .select('network_segments.id')
      .where('network_segments.network_id', '=', networkId)
      .where('network_segments.physical_network', 'in', physnets)
      .where((eb: any) => eb.exists(eb.selectFrom('subnets').select('subnets.id').whereRef('subnets.segment_id', '=', 'network_segments.id')))
      .execute();
    return rows.map((r: { id: string }) => r.id);
  }

  /**
   * The subnets a port bound to host gets its automatic addresses from on a routed network:
   * those of the one segment the host reaches (409 HostNotConnectedToAnySegment /
   * HostConnectedToMultipleSegments otherwise).
   */
  async subnetsForHost(trx: Tx, networkId: string, host: string): Promise<Set<string>> {
    const segments = await this.segmentsOfHost(trx, networkId, host);
    if (segments.length === 0) throw hostNotConnected(host, networkId);
    if (segments.length > 1) throw hostOnSeveralSegments(host, networkId);
    const rows = await trx.selectFrom('subnets').select('id').where('network_id', '=', networkId).where('segment_id', '=', segments[0]).execute();
    return new Set(rows.map((r: { id: string }) => r.id));
  }

  /** A port's addresses must be on a segment its (new) host reaches: 409 HostNotCompatibleWithFixedIps. */
  async checkHostReaches(trx: Tx, networkId: string, portId: string, host: string, fixedIps: { subnet_id: string }[]): Promise<void> {
    if (!host || fixedIps.length === 0 || !(await this.isRouted(trx, networkId))) return;
    const reachable = new Set(await this.segmentsOfHost(trx, networkId, host));
    const subnets = await trx.selectFrom('subnets').select(['id', 'segment_id']).where('id', 'in', fixedIps.map((ip) => ip.subnet_id)).execute();
    if (subnets.some((s: { segment_id: string | null }) => s.segment_id && !reachable.has(s.segment_id))) throw hostIncompatible(host, portId);
  }

  /** Wiring (networks render), l2_adjacency: false once the network is routed (its subnets are on segments). */
  async extendNetworks(q: Tx, networks: Item[], created = false): Promise<void> {
    const ids = networks.map((n) => n.id);
    const routed = new Set<string>();
    for (let i = 0; i < ids.length && !created; i += 500) { // a new network has no subnets
      const rows = await q.selectFrom('subnets').select('network_id').distinct().where('network_id', 'in', ids.slice(i, i + 500)).where('segment_id', 'is not', null).execute();
      for (const r of rows) routed.add(r.network_id);
    }
    for (const n of networks) n.l2_adjacency = !routed.has(n.id);
  }
}
