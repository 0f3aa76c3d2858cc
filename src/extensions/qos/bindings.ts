// `qos_policy_id` on networks, ports and floating IPs (qos, qos-fip), as Neutron's QoS core
// extension handles it: the policy must be one the caller may see (QosPolicyNotFound), a
// policy the caller can no longer see cannot be replaced by it (PolicyRemoveAuthorizationError),
// a network created without one gets its project's default policy (qos-default), and ports
// show their network's policy (qos-port-network-policy) and the resources their minimum
// rules ask of Placement (port-resource-request). Wired through hooks on those resources.
import type { ServiceDeps } from '../../framework/deps.ts';
import type { RequestContext } from '../../foundation/context.ts';
import type { Tx } from '../../db/index.ts';
import type { Item, ParentTargets } from '../../framework/resource-service.ts';
import type { Operation } from '../../framework/operation.ts';
import { grantsTo } from '../../framework/rbac/access.ts';
import { policyRemoveNotAuthorized, ruleNotSupportedByNetwork, ruleNotSupportedByPort } from './errors.ts';
import { enforcedRuleTypes } from './rule-types.ts';
import type { QosPolicyService } from './policy-service.ts';
import { resourceRequests } from './resource-request.ts';

declare module '../../framework/lookup.ts' {
  interface ServiceLookup {
    qosBindings?: QosBindings;
  }
}

type Holder = 'networks' | 'ports' | 'floatingips';

export class QosBindings {
  constructor(private readonly app: ServiceDeps) {}

  private get policies(): QosPolicyService {
    return this.app.services.qosPolicies!;
  }

  /** Wiring (networks, ports, floating IPs before create/update): the policy asked for (or the project's default, networks). */
  async resolve(op: Operation): Promise<void> {
    if (!('qos_policy_id' in this.app.registry.resource(op.collection).attributes)) return;
    if (op.kind === 'create') await this.onCreate(op.trx, op.ctx, op.collection as Holder, op.item);
    else if (op.kind === 'update') await this.onUpdate(op.trx, op.ctx, op.collection as Holder, op.item, op.current, op.changes);
  }

  /** The policy a new object asks for (networks: the project's default when none is given) must be visible to ctx. */
  private async onCreate(trx: Tx, ctx: RequestContext, holder: Holder, item: Item): Promise<void> {
    if (holder === 'networks' && !item.qos_policy_id && this.app.registry.has('qos-default')) {
      const [def] = await this.app.database.prepared.run<{ id: string }>(trx, 'qos:projectDefault', [item.project_id, this.app.database.dialect === 'sqlite' ? 1 : true], (q, arg) =>
        q.selectFrom('qos_policies').select('id').where('project_id', '=', arg(0)).where('is_default', '=', arg(1)),
      );
      if (def) item.qos_policy_id = def.id;
    }
    if (item.qos_policy_id) await this.attach(trx, ctx, holder, item, item.qos_policy_id);
  }

  private async onUpdate(trx: Tx, ctx: RequestContext, holder: Holder, item: Item, current: Item, changes: Item): Promise<void> {
    if (!('qos_policy_id' in changes) || current.qos_policy_id === changes.qos_policy_id) return;
    // Detaching: the old policy must still be one the caller may use (owned or shared with it).
    if (current.qos_policy_id && !ctx.isAdmin && !(await this.accessible(trx, ctx, current.qos_policy_id))) throw policyRemoveNotAuthorized(current.qos_policy_id);
    if (changes.qos_policy_id) await this.attach(trx, ctx, holder, item, changes.qos_policy_id);
  }

  /** Owned by ctx's project or shared with it (Neutron's QosPolicy.is_accessible). */
  private async accessible(trx: Tx, ctx: RequestContext, policyId: string): Promise<boolean> {
    const policy = await this.policies.repo.findById(trx, policyId);
    if (!policy) return true; // already gone: nothing to protect
    return policy.project_id === ctx.projectId || ((await grantsTo(trx, 'qos_policy', [policyId], ctx.projectId, this.app.database.prepared)).get(policyId)?.size ?? 0) > 0;
  }

  /**
   * Holds the policy (its row lock: a concurrent delete waits and then finds it in use),
   * checks ctx may see it (404 QosPolicyNotFound) and that the backend enforces its rules.
   */
  private async attach(trx: Tx, ctx: RequestContext, holder: Holder, item: Item, policyId: string): Promise<void> {
    await this.app.database.lock(trx, 'qos_policies', 'id', policyId);
    await this.policies.getVisible(trx, ctx, policyId);
    if (holder === 'floatingips') return;
    const enforced = new Set<string>(enforcedRuleTypes(this.app));
    const rules = (await this.policies.rulesOf(trx, [policyId])).get(policyId) ?? [];
    const unsupported = rules.find((r) => !enforced.has(r.type));
    if (unsupported) {
      throw holder === 'ports' ? ruleNotSupportedByPort(unsupported.type, item.id ?? '') : ruleNotSupportedByNetwork(unsupported.type, item.id ?? '');
    }
  }

  /** Wiring (ports render): qos_network_policy_id (the network's policy) and resource_request. */
  async extendPorts(q: Tx, items: Item[], parents?: ParentTargets): Promise<void> {
    if (!items.length) return;
    const networkIds = [...new Set(items.map((p) => p.network_id as string))];
    const networkPolicy = new Map<string, string | null>();
    // The networks this request loaded already (to authorize a port's create or update) tell their policy.
    const known = networkIds.map((id) => parents?.get(`networks:${id}`));
    if (known.every((n) => n && 'qos_policy_id' in n)) known.forEach((n, i) => networkPolicy.set(networkIds[i], (n!.qos_policy_id as string | null) ?? null));
    if (networkPolicy.size < networkIds.length) {
      const rows = await this.app.database.prepared.runIn(q, 'qosOfNetworks', [], networkIds, (q, _arg, oneOf) => q.selectFrom('networks').select(['id', 'qos_policy_id']).where(oneOf('id')));
      for (const row of rows) networkPolicy.set(row.id, row.qos_policy_id ?? null);
    }
    const withNetwork = 'qos_network_policy_id' in this.app.registry.resource('ports').attributes;
    for (const port of items) if (withNetwork) port.qos_network_policy_id = networkPolicy.get(port.network_id) ?? null;
    if ('resource_request' in this.app.registry.resource('ports').attributes) {
      const requests = await resourceRequests(q, this.policies, items, networkPolicy);
      for (const port of items) port.resource_request = requests.get(port.id) ?? null;
    }
  }
}
