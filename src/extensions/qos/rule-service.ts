// QoS rules, one service per rule type (sub-resources of a policy): Neutron's checks when a
// rule is added or changed — one rule of a type per policy and direction (QoSRulesConflict),
// a minimum bandwidth never above the bandwidth limit (QoSRuleParameterConflict), minimum
// packet rate rules either directionless (`any`) or directed, never mixed — and a rule's
// change counts as a change of its policy (revision). The alias API (qos-rules-alias)
// reaches a rule by its id alone.
import type { ServiceDeps } from '../../framework/deps.ts';
import type { RequestContext } from '../../foundation/context.ts';
import { badRequest, notAuthorized } from '../../foundation/errors.ts';
import type { Tx } from '../../db/index.ts';
import { ResourceService, type Item } from '../../framework/resource-service.ts';
import type { CreateOp, DeleteOp, UpdateOp } from '../../framework/operation.ts';
import type { Query } from '../../framework/repository.ts';
import { placementBackedUpdate, qosRuleNotFound, ruleNotSupportedByNetwork, ruleNotSupportedByPort, rulesConflict, ruleParameterConflict } from './errors.ts';
import { enforcedRuleTypes, type RuleKind } from './rule-types.ts';
import type { QosPolicyService } from './policy-service.ts';

const MINIMUM_TYPES = new Set(['minimum_bandwidth', 'minimum_packet_rate']);

export class QosRuleService extends ResourceService {
  constructor(
    app: ServiceDeps,
    readonly kind: RuleKind,
  ) {
    super(app, kind.collection);
  }

  private get policies(): QosPolicyService {
    return this.app.services.qosPolicies!;
  }

  protected override notFound(id: string) {
    return qosRuleNotFound('', id);
  }

  /** Rules are listed under their policy, which the caller was found to see (checkParent). */
  protected override scope(_ctx: RequestContext, q: Query): Query {
    return q;
  }

  /** 404 QosPolicyNotFound for a policy the caller cannot see, QosRuleNotFound for a rule not in it. */
  override async checkParent(ctx: RequestContext, policyId: string, id?: string): Promise<void> {
    const db = this.app.database.db;
    await this.policies.getVisible(db, ctx, policyId);
    if (id === undefined) return;
    const rule = await this.repo.findById(db, id);
    if (!rule || rule.qos_policy_id !== policyId) throw qosRuleNotFound(policyId, id);
  }

  protected override async beforeCreate({ trx, item }: CreateOp): Promise<void> {
    await this.checkRule(trx, item, item);
  }

  protected override async afterCreate({ trx, item }: CreateOp): Promise<void> {
    await this.policies.touch(trx, item.qos_policy_id);
  }

  protected override async beforeUpdate({ trx, current, changes }: UpdateOp): Promise<void> {
    await this.checkRule(trx, { ...current, ...changes }, changes);
  }

  protected override async afterUpdate({ trx, item }: UpdateOp): Promise<void> {
    await this.policies.touch(trx, item.qos_policy_id);
  }

  protected override async beforeDelete({ trx, item: current }: DeleteOp): Promise<void> {
    await this.app.database.lock(trx, 'qos_policies', 'id', current.qos_policy_id);
    if (MINIMUM_TYPES.has(this.kind.type)) await this.rejectForVmPorts(trx, current.qos_policy_id);
    await this.policies.touch(trx, current.qos_policy_id);
  }

  /**
   * Neutron's checks for rule (as it becomes) with the values given (data) against the other
   * rules of its policy, under the policy's row lock (concurrent rule changes of one policy
   * are serialized; the unique keys hold duplicates anyway).
   */
  private async checkRule(trx: Tx, rule: Item, data: Item): Promise<void> {
    const policyId: string = rule.qos_policy_id;
    await this.app.database.lock(trx, 'qos_policies', 'id', policyId);
    const others = ((await this.policies.rulesOf(trx, [policyId])).get(policyId) ?? []).filter((r) => r.id !== rule.id);
    for (const other of others) {
      // A minimum bandwidth above the limit, or a limit below the minimum.
      if (other.type === 'minimum_bandwidth' && data.max_kbps !== undefined && other.min_kbps > data.max_kbps) {
        throw ruleParameterConflict(data.max_kbps, policyId, other.type, other.min_kbps);
      }
      if (other.type === 'bandwidth_limit' && data.min_kbps !== undefined && other.max_kbps < data.min_kbps) {
        throw ruleParameterConflict(data.min_kbps, policyId, other.type, other.max_kbps);
      }
      if (other.type !== this.kind.type) continue;
      if (this.kind.type === 'minimum_packet_rate' && (rule.direction === 'any') !== (other.direction === 'any')) {
        throw ruleParameterConflict(rule.direction, policyId, other.type, other.direction);
      }
      if (other.direction === rule.direction) throw rulesConflict(this.kind.type, other.id, policyId);
    }
    await this.checkEnforceable(trx, policyId);
    if (MINIMUM_TYPES.has(this.kind.type)) await this.rejectForVmPorts(trx, policyId);
  }

  /** A policy in use may only hold rule types the backend enforces (QosRuleNotSupported, as Neutron validates bound ports). */
  private async checkEnforceable(trx: Tx, policyId: string): Promise<void> {
    if (enforcedRuleTypes(this.app).includes(this.kind.type)) return;
    const [user] = await this.policies.usersOf(trx, policyId, 1);
    if (user?.objectType === 'port') throw ruleNotSupportedByPort(this.kind.type, user.id);
    if (user?.objectType === 'network') throw ruleNotSupportedByNetwork(this.kind.type, user.id);
  }

  /**
   * Zed's QoS plugin refuses to change minimum rules of a policy a VM's port uses (its
   * Placement allocation would go stale): 501 NotImplementedError.
   */
  private async rejectForVmPorts(trx: Tx, policyId: string): Promise<void> {
    if (!this.app.registry.resources.has('ports')) return;
    const direct = await trx.selectFrom('ports').select('id').where('qos_policy_id', '=', policyId).where('device_owner', 'like', 'compute:%').limit(1).executeTakeFirst();
    const viaNetwork = direct
      ? undefined
      : await trx
          .selectFrom('ports')
          .innerJoin('networks', 'networks.id', 'ports.network_id')
          .select('ports.id')
          .where('networks.qos_policy_id', '=', policyId)
          .where('ports.qos_policy_id', 'is', null)
          .where('ports.device_owner', 'like', 'compute:%')
          .limit(1)
          .executeTakeFirst();
    if (direct || viaNetwork) throw placementBackedUpdate();
  }

  // ------------------------------------------------------------------ alias API

  /** The rule by id alone, as ctx may see it through the alias API (get_alias_<member>); 404 otherwise. */
  private async aliasVisible(trx: Tx, ctx: RequestContext, id: string): Promise<{ rule: Item; target: Record<string, unknown> }> {
    const rule = await this.repo.findById(trx, id);
    if (!rule) throw qosRuleNotFound('', id);
    await this.policies.getVisible(trx, ctx, rule.qos_policy_id); // QosPolicyNotFound, as Neutron's plugin
    const [target] = await this.policyTargets(trx, ctx, [rule]);
    if (!ctx.isAdmin && !this.app.policy.enforce(ctx, `get_alias_${this.member}`, target)) throw qosRuleNotFound(rule.qos_policy_id, id);
    return { rule, target };
  }

  async aliasShow(ctx: RequestContext, id: string): Promise<Item> {
    const db = this.app.database.db;
    const { rule } = await this.aliasVisible(db, ctx, id);
    await this.render(db, ctx, [rule]);
    return rule;
  }

  async aliasUpdate(ctx: RequestContext, id: string, body: Item, ifMatch?: number[]): Promise<Item> {
    return this.app.transact(async (trx) => {
      const { target } = await this.aliasVisible(trx, ctx, id);
      const changes = this.parseUpdate(body);
      this.enforceWithAttributes(ctx, `update_alias_${this.member}`, { ...target, ...changes }, Object.keys(changes));
      return this.updateIn(trx, ctx, id, body, { internal: true, ifMatch });
    });
  }

  async aliasDelete(ctx: RequestContext, id: string): Promise<void> {
    await this.app.transact(async (trx) => {
      const { target } = await this.aliasVisible(trx, ctx, id);
      if (!this.app.policy.enforce(ctx, `delete_alias_${this.member}`, target)) throw notAuthorized(`delete_alias_${this.member}`);
      await this.deleteIn(trx, ctx, id, { internal: true });
    });
  }

  /** The body of an alias request: `{"alias_<member>": {...}}` (Neutron's) or `{"<member>": {...}}`. */
  aliasBody(body: unknown): Item {
    const keys = [`alias_${this.member}`, this.member];
    const obj = body && typeof body === 'object' && !Array.isArray(body) ? (body as Record<string, unknown>) : undefined;
    const key = keys.find((k) => obj && Object.hasOwn(obj, k));
    if (!obj || !key) throw badRequest(`Unable to find '${keys[0]}' in request body`);
    const member = obj[key];
    if (!member || typeof member !== 'object' || Array.isArray(member)) throw badRequest(`Invalid input: '${key}' must be an object.`);
    return member as Item;
  }
}
