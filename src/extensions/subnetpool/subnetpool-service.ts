// Subnet pools: normalized prefixes, prefix length bounds, one default pool per IP version,
// the add/remove prefix actions, and allocation of subnet CIDRs from a pool (under a lock
// on the pool row, so concurrent allocations never overlap) with the per-project quota
// in address units.
import type { Transaction } from 'kysely';
import type { ServiceDeps } from '../../framework/deps.ts';
import type { RequestContext } from '../../foundation/context.ts';
import { badRequest, conflict, invalidInput, NeutronError, notAuthorized } from '../../foundation/errors.ts';
import { checkCidr, isUuid } from '../../foundation/validation.ts';
import type { Tx } from '../../db/index.ts';
import { ResourceService, type Item } from '../../framework/resource-service.ts';
import { Batch, type CreateOp, type DeleteOp, type UpdateOp } from '../../framework/operation.ts';
import { bitsOf, formatCidr, parseCidr, rangeOf, summarize, type Cidr, type IpVersion } from '../ipam/address.ts';
import { anyOverlap, freeBlocks, isFree, pickPrefix, subtract } from '../ipam/prefixes.ts';
import { rangeToCidrs } from '../ipam/address.ts';

const PREFIXLEN_ATTRIBUTES = ['default_prefixlen', 'min_prefixlen', 'max_prefixlen'] as const;
const DEFAULT_MIN_PREFIXLEN = { 4: 8, 6: 64 } as const;
/** default_quota counts addresses in these units: /32 for IPv4, /64 for IPv6. */
const QUOTA_UNIT = { 4: 32, 6: 64 } as const;

const illegalBounds = (type: string, len: number, baseType: string, baseLen: number) =>
  badRequest(`Illegal prefix bounds: ${type}=${len}, ${baseType}=${baseLen}.`, 'IllegalSubnetPoolPrefixBounds');
const illegalPrefixUpdate = (msg: string) => badRequest(`Illegal update to prefixes: ${msg}`, 'IllegalSubnetPoolPrefixUpdate');
const illegalPoolUpdate = (reason: string) => badRequest(`Illegal subnetpool update : ${reason}.`, 'IllegalSubnetPoolUpdate');
const allocationError = (reason: string) => conflict('SubnetAllocationError', `Failed to allocate subnet: ${reason}.`);

/** Validates and summarizes a prefix list; all prefixes must have one IP version. */
function normalizePrefixes(raw: unknown): { version: IpVersion; cidrs: Cidr[] } {
  if (!Array.isArray(raw) || raw.length === 0) throw badRequest('Empty subnet pool prefix list.', 'EmptySubnetPoolPrefixList');
  const cidrs = raw.map((p) => {
    const reason = checkCidr(p);
    if (reason) throw badRequest(`Invalid input for prefixes. Reason: ${reason}.`);
    return parseCidr(p as string);
  });
  const version = cidrs[0].version;
  if (cidrs.some((c) => c.version !== version)) throw badRequest('Cannot mix IPv4 and IPv6 prefixes in a subnet pool.', 'PrefixVersionMismatch');
  return { version, cidrs: summarize(cidrs) };
}

declare module '../../framework/lookup.ts' {
  interface ServiceLookup {
    subnetpools: SubnetPoolService;
  }
}

export class SubnetPoolService extends ResourceService {
  constructor(app: ServiceDeps) {
    super(app, 'subnetpools');
  }

  protected override notFound(id: string): NeutronError {
    return new NeutronError(404, 'SubnetPoolNotFound', `Subnet pool ${id} could not be found.`);
  }

  /** Neutron renders the prefix length bounds as strings ("24"); they are integers in storage, filters and sorting. */
  protected override async extend(_q: Tx, _ctx: RequestContext, items: Item[]): Promise<void> {
    for (const item of items) {
      for (const name of PREFIXLEN_ATTRIBUTES) if (typeof item[name] === 'number') item[name] = String(item[name]);
    }
  }

  protected override async beforeCreate(op: CreateOp): Promise<void> {
    const { trx, item } = op;
    const { version, cidrs } = normalizePrefixes(item.prefixes);
    item.ip_version = version;
    item.prefixes = cidrs.map(formatCidr);
    item.min_prefixlen ??= DEFAULT_MIN_PREFIXLEN[version];
    item.max_prefixlen ??= bitsOf(version);
    item.default_prefixlen ??= item.min_prefixlen;
    this.checkBounds(item as { ip_version: IpVersion; min_prefixlen: number; max_prefixlen: number; default_prefixlen: number });
    if (item.is_default) await this.checkOnlyDefault(trx, version, null);
  }

  private checkBounds(p: { ip_version: IpVersion; min_prefixlen: number; max_prefixlen: number; default_prefixlen: number }): void {
    const max = bitsOf(p.ip_version);
    if (p.max_prefixlen > max) throw illegalBounds('max_prefixlen', p.max_prefixlen, 'ip_version_max', max);
    if (p.min_prefixlen > p.max_prefixlen) throw illegalBounds('min_prefixlen', p.min_prefixlen, 'max_prefixlen', p.max_prefixlen);
    if (p.default_prefixlen < p.min_prefixlen) throw illegalBounds('default_prefixlen', p.default_prefixlen, 'min_prefixlen', p.min_prefixlen);
    if (p.default_prefixlen > p.max_prefixlen) throw illegalBounds('default_prefixlen', p.default_prefixlen, 'max_prefixlen', p.max_prefixlen);
  }

  /** One default pool per IP version (a key lock makes the check hold under concurrency). */
  private async checkOnlyDefault(trx: Tx, version: number, exceptId: string | null): Promise<void> {
    await this.app.database.lockKey(trx, `default-subnetpool:${version}`);
    const yes = this.app.database.dialect === 'sqlite' ? 1 : true;
    let q = trx.selectFrom('subnetpools').select('id').where('is_default', '=', yes).where('ip_version', '=', version);
    if (exceptId) q = q.where('id', '!=', exceptId);
    if (await q.executeTakeFirst()) {
      throw invalidInput('A default subnetpool for this IP family has already been set. Only one default may exist per IP family');
    }
  }

  protected override async beforeUpdate(op: UpdateOp): Promise<void> {
    const { trx, current, changes } = op;
    if ('prefixes' in changes) {
      const { version, cidrs } = normalizePrefixes(changes.prefixes);
      if (version !== current.ip_version) throw badRequest('Cannot mix IPv4 and IPv6 prefixes in a subnet pool.', 'PrefixVersionMismatch');
      const old = (current.prefixes as string[]).map((p) => parseCidr(p));
      if (subtract(old.map(rangeOf), cidrs.map(rangeOf)).length) throw illegalPrefixUpdate('Existing prefixes must be a subset of the new prefixes');
      changes.prefixes = cidrs.map(formatCidr);
    }
    this.checkBounds({ ...current, ...changes } as Parameters<SubnetPoolService['checkBounds']>[0]);
    if (changes.is_default && !current.is_default) await this.checkOnlyDefault(trx, current.ip_version, current.id);
  }

  protected override async beforeDelete(op: DeleteOp): Promise<void> {
    const { trx, item: current } = op;
    const used = await trx.selectFrom('subnets').select('id').where('subnetpool_id', '=', current.id).executeTakeFirst();
    if (used) throw conflict('SubnetPoolInUse', `Unable to complete operation on subnet pool ${current.id}. Subnet pool has existing allocations.`);
  }

  // ------------------------------------------------------------------ prefix actions

  /** PUT /subnetpools/{id}/add_prefixes {"prefixes": [...]}: the pool's prefixes after adding. */
  async addPrefixes(ctx: RequestContext, id: string, body: { prefixes?: unknown }): Promise<{ prefixes: string[] }> {
    return this.changePrefixes(ctx, id, body, (old, given) => summarize([...old, ...given]));
  }

  /** PUT /subnetpools/{id}/remove_prefixes: prefixes holding subnets cannot be removed. */
  async removePrefixes(ctx: RequestContext, id: string, body: { prefixes?: unknown }): Promise<{ prefixes: string[] }> {
    return this.changePrefixes(ctx, id, body, (old, given, allocated) => {
      if (anyOverlap(given, allocated)) throw illegalPrefixUpdate('Prefixes in use by subnets cannot be removed');
      const left = subtract(old.map(rangeOf), given.map(rangeOf)).flatMap((r) => rangeToCidrs(r.first, r.last, old[0].version));
      if (left.length === 0) throw badRequest('Empty subnet pool prefix list.', 'EmptySubnetPoolPrefixList');
      return summarize(left);
    });
  }

  /**
   * subnet_onboard: PUT /subnetpools/{id}/onboard_network_subnets {"network_id": …}. The
   * network's subnets of the pool's IP version join the pool and its prefixes grow by their
   * CIDRs (the address scope's rules on prefixes apply, as to add_prefixes). A subnet that
   * overlaps the pool's allocations, or already belongs to a pool, is refused (400
   * IllegalSubnetPoolUpdate) and nothing moves. Answers the onboarded subnets' id and cidr.
   */
  async onboardNetworkSubnets(ctx: RequestContext, id: string, body: { network_id?: unknown }): Promise<{ id: string; cidr: string }[]> {
    const networkId = body && typeof body === 'object' ? body.network_id : undefined;
    if (networkId === undefined || networkId === null) throw invalidInput('network_id must be specified.');
    if (!isUuid(networkId)) throw badRequest(`Invalid input for network_id. Reason: '${String(networkId)}' is not a valid UUID.`);
    return this.app.transact(async (trx) => {
      await this.app.database.lock(trx, 'subnetpools', 'id', id);
      const pool = await this.getVisible(trx, ctx, id);
      const [target] = await this.policyTargets(trx, ctx, [pool]);
      if (!this.app.policy.enforce(ctx, 'onboard_network_subnets', target)) throw notAuthorized('onboard_network_subnets');
      // The network row lock keeps subnets from being added to it meanwhile (subnet creates take it).
      await this.app.services.networks.getVisible(trx, ctx, networkId);
      await this.app.database.lock(trx, 'networks', 'id', networkId);
      const subnets = await trx.selectFrom('subnets').select(['id', 'cidr', 'subnetpool_id']).where('network_id', '=', networkId).where('ip_version', '=', pool.ip_version).orderBy('id').execute();
      if (subnets.length === 0) return [];
      const allocated = await this.allocated(trx, id);
      for (const subnet of subnets) {
        if (subnet.subnetpool_id === id || anyOverlap([parseCidr(subnet.cidr)], allocated)) {
          throw illegalPoolUpdate(`Onboarding subnet ${subnet.id}: ${subnet.cidr} conflicts with allocated prefixes in subnet pool ${id}`);
        }
        if (subnet.subnetpool_id) throw illegalPoolUpdate(`Onboarding subnet ${subnet.id}: it already belongs to subnet pool ${subnet.subnetpool_id}`);
      }
      const prefixes = summarize([...(pool.prefixes as string[]).map((p) => parseCidr(p)), ...subnets.map((s: { cidr: string }) => parseCidr(s.cidr))]).map(formatCidr);
      await this.applyPrefixes(trx, ctx, pool, prefixes);
      const subnetService = this.app.services.subnets;
      for (const subnet of subnets) await subnetService.touch(trx, subnet.id, { subnetpool_id: id });
      return subnets.map((s: { id: string; cidr: string }) => ({ id: s.id, cidr: s.cidr }));
    });
  }

  private async changePrefixes(ctx: RequestContext, id: string, body: { prefixes?: unknown }, next: (old: Cidr[], given: Cidr[], allocated: Cidr[]) => Cidr[]) {
    if (!body || typeof body !== 'object' || !Array.isArray(body.prefixes)) throw badRequest(`Invalid input for prefixes. Reason: '${JSON.stringify(body?.prefixes)}' is not a list.`);
    return this.app.transact(async (trx) => {
      const current = await this.loadForChange(trx, ctx, id, 'update');
      const { version, cidrs: given } = normalizePrefixes(body.prefixes);
      if (version !== current.ip_version) throw badRequest('Cannot mix IPv4 and IPv6 prefixes in a subnet pool.', 'PrefixVersionMismatch');
      const prefixes = next((current.prefixes as string[]).map((p) => parseCidr(p)), given, await this.allocated(trx, id)).map(formatCidr);
      await this.applyPrefixes(trx, ctx, current, prefixes);
      return { prefixes };
    });
  }

  /** Stores a pool's new prefixes once other features' rules on them (its address scope's) pass. */
  private async applyPrefixes(trx: Transaction<any>, ctx: RequestContext, current: Item, prefixes: string[]): Promise<void> {
    const batch = new Batch();
    const op: UpdateOp = { kind: 'update', collection: 'subnetpools', trx, ctx, current, changes: { prefixes }, item: { ...current, prefixes }, parents: batch.parents, options: {}, batch };
    await this.app.wiring.run('beforeUpdate', op);
    await this.writeChanges(trx, current.id, { prefixes });
    const updated = await this.repo.findById(trx, current.id);
    this.app.queueEvent(trx, { resource: 'subnetpools', action: 'updated', id: current.id, body: updated!, context: ctx });
  }

  private async allocated(trx: Tx, poolId: string, projectId?: string): Promise<Cidr[]> {
    let q = trx.selectFrom('subnets').select('cidr').where('subnetpool_id', '=', poolId);
    if (projectId !== undefined) q = q.where('project_id', '=', projectId);
    return (await q.execute()).map((r: { cidr: string }) => parseCidr(r.cidr));
  }

  // ------------------------------------------------------------------ subnet allocation

  /**
   * The CIDR of a new subnet from its pool (subnetpool_id, or the default pool of its IP
   * version): the requested cidr if free, else a free prefix of the requested (or default)
   * length. Sets item.subnetpool_id.
   */
  async allocateCidr(trx: Transaction<any>, ctx: RequestContext, item: Item): Promise<string> {
    const pool = item.subnetpool_id ? await this.getVisible(trx, ctx, item.subnetpool_id) : await this.defaultPool(trx, item.ip_version);
    await this.app.database.lock(trx, 'subnetpools', 'id', pool.id);
    item.subnetpool_id = pool.id;
    if (pool.ip_version !== item.ip_version) throw badRequest(`Cannot allocate IPv${item.ip_version} subnet from IPv${pool.ip_version} subnet pool`, 'BadRequest');
    let requested: Cidr | null = null;
    if (item.cidr !== undefined) {
      requested = parseCidr(item.cidr);
      if (requested.version !== pool.ip_version) throw invalidInput(`cidr '${item.cidr}' does not match the ip_version '${item.ip_version}'`);
    }
    const prefixlen: number = requested?.prefixlen ?? item.prefixlen ?? pool.default_prefixlen;
    if (prefixlen > pool.max_prefixlen) {
      throw badRequest(`Unable to allocate subnet with prefix length ${prefixlen}, maximum allowed prefix is ${pool.max_prefixlen}.`, 'MaxPrefixSubnetAllocationError');
    }
    if (prefixlen < pool.min_prefixlen) {
      throw badRequest(`Unable to allocate subnet with prefix length ${prefixlen}, minimum allowed prefix is ${pool.min_prefixlen}.`, 'MinPrefixSubnetAllocationError');
    }
    if (pool.default_quota !== null) await this.checkQuota(trx, pool, item.project_id, prefixlen);
    const blocks = freeBlocks((pool.prefixes as string[]).map((p) => parseCidr(p)), await this.allocated(trx, pool.id));
    if (requested) {
      if (!isFree(blocks, requested)) throw allocationError('Cannot allocate requested subnet from the available set of prefixes');
      return formatCidr(requested);
    }
    const picked = pickPrefix(blocks, prefixlen);
    if (!picked) throw allocationError(`Insufficient prefix space to allocate subnet size /${prefixlen}`);
    return formatCidr(picked);
  }

  private async defaultPool(trx: Tx, version: number): Promise<Item> {
    const yes = this.app.database.dialect === 'sqlite' ? 1 : true;
    const row = await trx.selectFrom('subnetpools').selectAll().where('is_default', '=', yes).where('ip_version', '=', version).executeTakeFirst();
    if (!row) throw badRequest(`Bad subnets request: No default subnetpool found for IPv${version}.`, 'BadRequest');
    return this.repo.fromRow(row);
  }

  private async checkQuota(trx: Tx, pool: Item, projectId: string, prefixlen: number): Promise<void> {
    const unit = QUOTA_UNIT[pool.ip_version as IpVersion];
    const units = (len: number) => 2 ** (unit - len);
    const used = (await this.allocated(trx, pool.id, projectId)).reduce((n, c) => n + units(c.prefixlen), 0);
    if (used + units(prefixlen) > pool.default_quota) throw conflict('SubnetPoolQuotaExceeded', 'Per-tenant subnet pool prefix quota exceeded.');
  }
}
