// Router gateway QoS policies (qos-gateway-ip), as Neutron's L3 gateway IP QoS mixin: the
// policy given as external_gateway_info.qos_policy_id must be one the caller may see
// (QosPolicyNotFound); null detaches it; a request without the key keeps it; a router
// without a gateway has none. A policy a router gateway uses is not deleted (QosPolicyInUse).
// The key is shown when the router has a gateway and a policy applies (its own, or the
// external network's: then null).
import type { ServiceDeps } from '../../framework/deps.ts';
import type { Tx } from '../../db/index.ts';
import type { Item } from '../../framework/repository.ts';
import type { Operation } from '../../framework/operation.ts';
import { qosPolicyInUse } from '../qos/errors.ts';

declare module '../../framework/lookup.ts' {
  interface ServiceLookup {
    qosGatewayPolicies?: GatewayPolicies;
  }
}

const TABLE = 'qos_router_gw_policy_bindings';

export class GatewayPolicies {
  constructor(private readonly app: ServiceDeps) {}

  /** Wiring (routers afterCreate / beforeUpdate, after the router's own step set its gateway). */
  async apply(op: Operation): Promise<void> {
    if (op.kind === 'delete') return;
    const { trx, ctx } = op;
    const routerId = op.kind === 'create' ? op.item.id : op.current.id;
    // The gateway as it is now (the router's own step has written or planned it).
    const router = op.kind === 'create' ? await this.app.services.routers.get(trx, routerId) : op.item;
    if (!router.gw_network_id) return this.detach(trx, routerId);
    const info = op.kind === 'create' ? op.item.external_gateway_info : 'external_gateway_info' in op.changes ? op.changes.external_gateway_info : undefined;
    if (!info || typeof info !== 'object' || !Object.hasOwn(info, 'qos_policy_id')) return; // not asked: kept as is
    const policyId = info.qos_policy_id as string | null;
    if (policyId === null) return this.detach(trx, routerId);
    // Held, so a concurrent delete of the policy waits and then finds it in use.
    await this.app.database.lock(trx, 'qos_policies', 'id', policyId);
    await this.app.services.qosPolicies!.getVisible(trx, ctx, policyId);
    await this.detach(trx, routerId);
    await trx.insertInto(TABLE).values({ router_id: routerId, policy_id: policyId }).execute();
  }

  private async detach(trx: Tx, routerId: string): Promise<void> {
    await trx.deleteFrom(TABLE).where('router_id', '=', routerId).execute();
  }

  /** Wiring (routers beforeDelete): the binding goes with the router. */
  async routerDeleted(op: Operation): Promise<void> {
    await this.detach(op.trx, op.item.id);
  }

  /** Wiring (QoS policies beforeDelete): a policy a router gateway uses stays (QosPolicyInUse). */
  async keepUsedPolicy(op: Operation): Promise<void> {
    const user = await op.trx.selectFrom(TABLE).select('router_id').where('policy_id', '=', op.item.id).orderBy('router_id').executeTakeFirst();
    if (user) throw qosPolicyInUse(op.item.id, 'router', user.router_id);
  }

  /** Wiring (routers render): external_gateway_info.qos_policy_id. */
  async extendRouters(q: Tx, routers: Item[]): Promise<void> {
    const withGateway = routers.filter((r) => r.external_gateway_info && r.gw_network_id);
    if (!withGateway.length) return;
    const bindings = await q.selectFrom(TABLE).selectAll().where('router_id', 'in', withGateway.map((r) => r.id)).execute();
    const policyOf = new Map(bindings.map((b: Item) => [b.router_id as string, b.policy_id as string]));
    const networks = await q.selectFrom('networks').select(['id', 'qos_policy_id']).where('id', 'in', [...new Set(withGateway.map((r) => r.gw_network_id as string))]).execute();
    const networkHasPolicy = new Set(networks.filter((n: Item) => n.qos_policy_id).map((n: Item) => n.id as string));
    for (const router of withGateway) {
      const own = policyOf.get(router.id);
      if (own || networkHasPolicy.has(router.gw_network_id)) router.external_gateway_info.qos_policy_id = own ?? null;
    }
  }
}
