// Address scopes, the address_scope_id of subnet pools (checked through hooks on the
// subnet pool lifecycle) and the ipv4/ipv6_address_scope that networks show.
import type { Transaction } from 'kysely';
import type { ServiceDeps } from '../../framework/deps.ts';
import type { RequestContext } from '../../foundation/context.ts';
import { NeutronError } from '../../foundation/errors.ts';
import type { Tx } from '../../db/index.ts';
import { ResourceService, type Item } from '../../framework/resource-service.ts';
import { changesOf, type DeleteOp, type Operation, type UpdateOp } from '../../framework/operation.ts';
import { cidrsOverlap, ipVersion } from './addresses.ts';
import { addressScopeInUse, addressScopeNotFound } from './errors.ts';

declare module '../../framework/lookup.ts' {
  interface ServiceLookup {
    addressScopes: AddressScopeService;
  }
}

export class AddressScopeService extends ResourceService {
  constructor(app: ServiceDeps) {
    super(app, 'address_scopes');
    // rbac-address-scope: scopes are shared through RBAC policies (`shared` is the `*` one);
    // a project whose subnet pools are in the scope keeps its access.
    app.rbac.register({
      type: 'address_scope',
      collection: 'address_scopes',
      actions: ['access_as_shared'],
      usersOf: async (trx, id) => [...new Set((await this.poolsIn(trx, [id])).map((p) => p.project_id as string))],
    });
  }

  protected override notFound(id: string): NeutronError {
    return addressScopeNotFound(id);
  }

  protected override async beforeUpdate(op: UpdateOp): Promise<void> {
    const { current, changes } = op;
    if (current.shared && changes.shared === false) {
      throw new NeutronError(400, 'AddressScopeUpdateError', `Unable to update address scope ${current.id} : Shared address scope can't be unshared.`);
    }
  }

  protected override async beforeDelete(op: DeleteOp): Promise<void> {
    const { trx, item: current } = op;
    if ((await this.poolsIn(trx, [current.id])).length) throw addressScopeInUse(current.id);
  }

  private async poolsIn(q: Tx, scopeIds: string[]): Promise<Item[]> {
    const pools = this.app.services.get('subnetpools');
    return pools && scopeIds.length ? pools.repo.findWhere(q, { address_scope_id: scopeIds }) : [];
  }

  /**
   * Neutron's rules for a pool in a scope: the scope is the caller's (or shared with it), has
   * the pool's IP version, and no other pool of the scope has an overlapping prefix.
   */
  /** Wiring (subnetpools beforeCreate/beforeUpdate): a pool joining or in a scope fits it. */
  async checkPool(op: Operation): Promise<void> {
    const changes = changesOf(op);
    if (changes && !('address_scope_id' in changes) && !('prefixes' in changes)) return;
    if (op.item.address_scope_id) await this.checkPoolInScope(op.trx, op.ctx, op.item);
  }

  private async checkPoolInScope(trx: Transaction<any>, ctx: RequestContext, pool: Item): Promise<void> {
    const scopeId: string = pool.address_scope_id;
    // Serializes with the scope's deletion and with other pools joining it.
    await this.app.database.lock(trx, 'address_scopes', 'id', scopeId);
    // Visible means owned, or shared with the caller's project (RBAC): then it may be used.
    const scope = await this.getVisible(trx, ctx, scopeId);
    const poolId = pool.id ?? '';
    const prefixes: string[] = pool.prefixes ?? [];
    const version = pool.ip_version ?? (prefixes.length ? ipVersion(prefixes[0]) : undefined);
    if (version !== scope.ip_version) {
      throw new NeutronError(
        400,
        'IllegalSubnetPoolIpVersionAssociationToAddressScope',
        `Illegal subnetpool association: subnetpool ${poolId} cannot associate with address scope ${scopeId} because subnetpool ip_version is not ${scope.ip_version}.`,
      );
    }
    const others = (await this.poolsIn(trx, [scopeId])).filter((p) => p.id !== pool.id);
    if (others.some((other) => (other.prefixes as string[]).some((a) => prefixes.some((b) => cidrsOverlap(a, b))))) {
      throw new NeutronError(409, 'AddressScopePrefixConflict', 'Failed to associate address scope: subnetpools within an address scope must have unique prefixes.');
    }
  }

  /**
   * Wiring (subnetpools beforeUpdate): the prefixes of a pool in another project's (shared)
   * scope are the scope owner's to change: 400 IllegalSubnetPoolUpdate, as Neutron.
   */
  async checkPoolUpdateAllowed(op: Operation): Promise<void> {
    const changes = changesOf(op);
    if (!changes || !('prefixes' in changes)) return;
    const { trx, ctx, item: pool } = op;
    if (ctx.isAdmin || !pool.address_scope_id) return;
    const scope = await this.repo.findById(trx, pool.address_scope_id);
    if (!scope || scope.project_id === ctx.projectId) return;
    throw new NeutronError(
      400,
      'IllegalSubnetPoolUpdate',
      `Illegal subnetpool update : subnetpool ${pool.id} cannot be updated when associated with shared address scope ${scope.id}.`,
    );
  }

  /**
   * Wiring (rbac_policies beforeCreate/beforeUpdate): sharing a pool (access_as_shared to a
   * target) needs the target to have access to the pool's scope (400 otherwise).
   */
  async checkPoolSharing(op: Operation): Promise<void> {
    const changes = changesOf(op);
    if (changes && !('target_tenant' in changes)) return;
    const { trx, item: policy } = op;
    const target: string = policy.target_tenant;
    if (policy.object_type !== 'subnetpool' || policy.action !== 'access_as_shared') return;
    const pools = this.app.services.get('subnetpools');
    const pool = pools ? await pools.repo.findById(trx, policy.object_id) : undefined;
    if (!pool?.address_scope_id) return;
    const scope = await this.repo.findById(trx, pool.address_scope_id);
    if (!scope || scope.project_id === target) return;
    // '*' needs the scope shared with everyone; one project, shared with it or everyone.
    const targets = target === '*' ? ['*'] : [target, '*'];
    const grant = await trx
      .selectFrom('rbac_policies')
      .select('id')
      .where('object_type', '=', 'address_scope')
      .where('object_id', '=', scope.id)
      .where('action', '=', 'access_as_shared')
      .where('target_project', 'in', targets)
      .executeTakeFirst();
    if (grant) return;
    throw new NeutronError(
      400,
      'InvalidInput',
      `Invalid input for operation: subnet pool ${pool.id} is associated with address scope ${scope.id}, which is not shared with ${target === '*' ? 'everyone' : `project ${target}`}.`,
    );
  }

  /**
   * Wiring (networks render): ipv4/ipv6_address_scope. A network is in a scope (per IP
   * version) when its subnets of that version all come from pools of that one scope.
   */
  async extendNetworks(q: Tx, networks: Item[], created = false): Promise<void> {
    if (!('ipv4_address_scope' in this.app.registry.resource('networks').attributes)) return;
    const subnetService = this.app.services.get('subnets');
    const poolService = this.app.services.get('subnetpools');
    // A new network has no subnets (so no scope).
    const subnets = subnetService && !created ? await subnetService.repo.findWhere(q, { network_id: networks.map((n) => n.id) }) : [];
    const poolIds = [...new Set(subnets.map((s) => s.subnetpool_id).filter(Boolean))];
    const pools = new Map((poolService && poolIds.length ? await poolService.repo.findWhere(q, { id: poolIds }) : []).map((p) => [p.id, p]));
    for (const network of networks) {
      for (const version of [4, 6]) {
        const own = subnets.filter((s) => s.network_id === network.id && s.ip_version === version);
        const scopes = new Set(own.map((s) => pools.get(s.subnetpool_id)?.address_scope_id ?? null));
        const [only] = scopes;
        network[`ipv${version}_address_scope`] = scopes.size === 1 ? only : null;
      }
    }
  }
}
