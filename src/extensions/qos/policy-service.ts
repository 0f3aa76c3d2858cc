// QoS policies: shared through RBAC (object type `qos_policy`), one default per project
// (qos-default), rendered with their rules, and never deleted while a network, port or
// floating IP uses them (QosPolicyInUse).
import type { ServiceDeps } from '../../framework/deps.ts';
import type { RequestContext } from '../../foundation/context.ts';
import type { Tx } from '../../db/index.ts';
import { isUniqueViolation } from '../../db/index.ts';
import { ResourceService, type Item } from '../../framework/resource-service.ts';
import type { CreateOp, DeleteOp, UpdateOp } from '../../framework/operation.ts';
import { toDb } from '../../framework/repository.ts';
import { defaultAlreadyExists, qosPolicyInUse, qosPolicyNotFound } from './errors.ts';
import { RULE_KINDS, servedKinds } from './rule-types.ts';

declare module '../../framework/lookup.ts' {
  interface ServiceLookup {
    qosPolicies?: QosPolicyService;
  }
}

/** The resources that hold a policy in `qos_policy_id`, with Neutron's object type names for QosPolicyInUse. */
const USERS = [
  { collection: 'networks', table: 'networks', objectType: 'network' },
  { collection: 'ports', table: 'ports', objectType: 'port' },
  { collection: 'floatingips', table: 'floatingips', objectType: 'fip' },
] as const;

export class QosPolicyService extends ResourceService {
  constructor(app: ServiceDeps) {
    super(app, 'policies');
    app.rbac.register({
      type: 'qos_policy',
      collection: 'policies',
      actions: ['access_as_shared'],
      // Projects whose networks, ports or floating IPs use the policy keep their access.
      usersOf: async (trx, id) => [...new Set((await this.usersOf(trx, id)).map((u) => u.project_id))],
    });
  }

  protected override notFound(id: string) {
    return qosPolicyNotFound(id);
  }

  /** The tables holding qos_policy_id in this deployment. */
  private users() {
    return USERS.filter((u) => this.app.registry.resources.has(u.collection) && 'qos_policy_id' in this.app.registry.resource(u.collection).attributes);
  }

  /** Objects using the policy: their type, id and project. */
  async usersOf(q: Tx, policyId: string, limit?: number): Promise<{ objectType: string; id: string; project_id: string }[]> {
    const out: { objectType: string; id: string; project_id: string }[] = [];
    for (const user of this.users()) {
      let query = q.selectFrom(user.table).select(['id', 'project_id']).where('qos_policy_id', '=', policyId);
      if (limit) query = query.limit(limit);
      for (const row of await query.execute()) out.push({ objectType: user.objectType, id: row.id, project_id: row.project_id });
      if (limit && out.length >= limit) break;
    }
    return out;
  }

  protected override async beforeCreate({ trx, item }: CreateOp): Promise<void> {
    if (item.is_default) await this.checkOneDefault(trx, item.project_id, undefined);
  }

  protected override async beforeUpdate({ trx, current, changes }: UpdateOp): Promise<void> {
    if (changes.is_default === true && !current.is_default) await this.checkOneDefault(trx, current.project_id, current.id);
  }

  /** 409 when another policy is the project's default (the unique index holds it under concurrency). */
  private async checkOneDefault(trx: Tx, projectId: string, exceptId: string | undefined): Promise<void> {
    const def = this.resource.attributes.is_default;
    let q = trx.selectFrom('qos_policies').select('id').where('project_id', '=', projectId).where('is_default', '=', toDb(this.app.database.dialect, def, true));
    if (exceptId) q = q.where('id', '!=', exceptId);
    if (await q.executeTakeFirst()) throw defaultAlreadyExists(projectId);
  }

  override async create(ctx: RequestContext, bodies: Item[]): Promise<Item[]> {
    return this.defaultConflictAs409(() => super.create(ctx, bodies), bodies[0]?.project_id ?? ctx.projectId);
  }

  override async update(ctx: RequestContext, id: string, body: Item, ifMatch?: number[]): Promise<Item> {
    return this.defaultConflictAs409(() => super.update(ctx, id, body, ifMatch), ctx.projectId);
  }

  /** Two concurrent requests both making a default: the second meets the unique index. */
  private async defaultConflictAs409<T>(fn: () => Promise<T>, projectId: string | null): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      if (isUniqueViolation(err) && /qos_policies_one_default|qos_policies\.project_id/.test(`${(err as { constraint?: string }).constraint ?? ''} ${(err as Error).message}`)) {
        throw defaultAlreadyExists(projectId ?? '');
      }
      throw err;
    }
  }

  protected override async beforeDelete({ trx, ctx, item: current }: DeleteOp): Promise<void> {
    const [user] = await this.usersOf(trx, current.id, 1);
    if (user) throw qosPolicyInUse(current.id, user.objectType, user.id);
    // Its rules go first, each through its own service (so each deletion is an event and a
    // change like any other, not a silent foreign-key cascade).
    for (const kind of servedKinds(this.app.registry)) {
      const rules = this.app.services.get(kind.collection);
      if (!rules) continue;
      for (const rule of await rules.repo.findWhere(trx, { qos_policy_id: current.id })) await rules.deleteIn(trx, ctx, rule.id, { internal: true });
    }
  }

  /** `rules`: every rule of each policy, with its type and policy id (as Neutron renders them). */
  protected override async extend(q: Tx, _ctx: RequestContext, items: Item[]): Promise<void> {
    const rules = await this.rulesOf(q, items.map((i) => i.id));
    for (const item of items) item.rules = rules.get(item.id) ?? [];
  }

  /** The rules of policies, by policy id, each `{id, qos_policy_id, <parameters>, type}`. */
  async rulesOf(q: Tx, policyIds: string[]): Promise<Map<string, Item[]>> {
    const out = new Map<string, Item[]>();
    if (!policyIds.length) return out;
    for (const kind of servedKinds(this.app.registry)) {
      const service = this.app.services.get(kind.collection);
      if (!service) continue;
      for (let i = 0; i < policyIds.length; i += 500) {
        const rows = await service.repo.findWhere(q, { qos_policy_id: policyIds.slice(i, i + 500) });
        for (const row of rows) {
          const rule: Item = { ...row, type: kind.type };
          out.set(row.qos_policy_id, [...(out.get(row.qos_policy_id) ?? []), rule]);
        }
      }
    }
    for (const list of out.values()) list.sort((a, b) => Object.keys(RULE_KINDS).indexOf(a.type) - Object.keys(RULE_KINDS).indexOf(b.type) || String(a.id).localeCompare(String(b.id)));
    return out;
  }
}
