// Security group rules: Neutron's conversions and validations (rule-values.ts), the
// references a rule makes (its group, a remote group or address group, all of which the
// rule's project must be able to use), and duplicates refused exactly once even under
// concurrent creates: a create compares fingerprints, and the unique key on the fingerprint
// decides a race (the loser's transaction is retried and then finds the winner's rule).
import type { Transaction } from 'kysely';
import type { ServiceDeps } from '../../framework/deps.ts';
import type { RequestContext } from '../../foundation/context.ts';
import { isUniqueViolation, RetryTransaction, type Tx } from '../../db/index.ts';
import { ResourceService, type CreateOptions, type Item, type ListQuery } from '../../framework/resource-service.ts';
import { Batch, type CreateOp, type DeleteOp } from '../../framework/operation.ts';
import type { Query } from '../../framework/repository.ts';
import type { AddressGroupService } from './address-group-service.ts';
import { normalizeRule, ruleFingerprint } from './rule-values.ts';
import { duplicateRuleInPost, notSingleGroupRules, ruleExists, rulesNotSingleProject, securityGroupNotFound, securityGroupRuleNotFound } from './errors.ts';

declare module '../../framework/lookup.ts' {
  interface ServiceLookup {
    securityGroupRules?: SecurityGroupRuleService;
  }
}

export class SecurityGroupRuleService extends ResourceService {
  constructor(app: ServiceDeps) {
    super(app, 'security_group_rules');
  }

  private get groups() {
    return this.app.services.securityGroups!;
  }

  private get addressGroups(): AddressGroupService | undefined {
    return this.app.services.get('address_groups') as AddressGroupService | undefined;
  }

  protected override notFound(id: string) {
    return securityGroupRuleNotFound(id);
  }

  /** A project sees its own rules and every rule of its own groups. */
  protected override scope(ctx: RequestContext, q: Query): Query {
    return q.where((eb: any) =>
      eb.or([
        eb('security_group_rules.project_id', '=', ctx.projectId),
        eb('security_group_rules.security_group_id', 'in', eb.selectFrom('security_groups').select('id').where('project_id', '=', ctx.projectId)),
      ]),
    );
  }

  /** Neutron ensures the caller's default group when listing rules too. */
  override async list(ctx: RequestContext, query: ListQuery): Promise<Item[]> {
    await this.groups.ensureDefault(ctx, (query.filters.project_id?.[0] as string | undefined) ?? ctx.projectId);
    return super.list(ctx, query);
  }

  /** belongs_to_default_sg: is the rule's group its project's default group? */
  protected override async extend(q: Tx, _ctx: RequestContext, items: Item[]): Promise<void> {
    if (!('belongs_to_default_sg' in this.resource.attributes)) return;
    const groupIds = [...new Set(items.map((i) => i.security_group_id))];
    const defaults = new Set<string>();
    const rows = await this.repo.prepared.runIn<{ security_group_id: string }>(q, 'defaultGroupsAmong', [], groupIds, (q, _arg, oneOf) =>
      q.selectFrom('default_security_group').select('security_group_id').where(oneOf('security_group_id')),
    );
    for (const r of rows) defaults.add(r.security_group_id);
    for (const item of items) item.belongs_to_default_sg = defaults.has(item.security_group_id);
  }

  /** The rendered rules of the given groups, by group id. */
  async rulesOfGroups(q: Tx, ctx: RequestContext, groupIds: string[]): Promise<Map<string, Item[]>> {
    const out = new Map<string, Item[]>();
    if (groupIds.length === 0) return out;
    const rules = await this.repo.findWhere(q, { security_group_id: groupIds });
    rules.sort((a, b) => (a.created_at === b.created_at ? (a.id < b.id ? -1 : 1) : a.created_at < b.created_at ? -1 : 1));
    await this.render(q, ctx, rules);
    for (const r of rules) {
      const list = out.get(r.security_group_id);
      if (list) list.push(r);
      else out.set(r.security_group_id, [r]);
    }
    return out;
  }

  /** A bulk create is for one group and one project (Neutron refuses mixtures). */
  override async create(ctx: RequestContext, bodies: Item[]): Promise<Item[]> {
    if (bodies.length > 1) {
      const groups = new Set(bodies.map((b) => b?.security_group_id));
      if (groups.size > 1) throw notSingleGroupRules();
      const projects = new Set(bodies.map((b) => b?.project_id ?? b?.tenant_id ?? null));
      if (projects.size > 1) throw rulesNotSingleProject();
    }
    return super.create(ctx, bodies);
  }

  /**
   * A rule belongs to its group's project unless the caller says otherwise; a project
   * cannot add rules to a group it does not own (404, as if the group did not exist).
   */
  override async createIn(trx: Transaction<any>, ctx: RequestContext, body: Item, options: CreateOptions = {}): Promise<Item> {
    if (body && typeof body === 'object' && typeof body.security_group_id === 'string') {
      // The group is the parent authorizeCreate checks: its policy target, kept in the request's
      // batch, spares that a second read (and a bulk request's rules all but the first).
      const batch = options.batch ?? new Batch();
      options = { ...options, batch };
      const key = `security_groups:${body.security_group_id}`;
      let group = batch.parents.get(key);
      if (!group) {
        group = await this.groups.repo.findById(trx, body.security_group_id);
        // Internal creates skip authorizeCreate: no target to build for it.
        if (group && !options.internal) batch.parents.set(key, (group = (await this.groups.policyTargets(trx, ctx, [group]))[0]));
      }
      if (group && body.project_id === undefined && body.tenant_id === undefined) body = { ...body, project_id: group.project_id };
      if (!options.internal && !ctx.isAdmin && (!group || group.project_id !== ctx.projectId)) throw securityGroupNotFound(body.security_group_id);
    }
    try {
      return await super.createIn(trx, ctx, body, options);
    } catch (err) {
      // A concurrent create of the same rule committed first (PostgreSQL): again, to answer RuleExists with its id.
      if (isFingerprintTaken(err)) throw new RetryTransaction('security group rule created concurrently');
      throw err;
    }
  }

  protected override async beforeCreate(op: CreateOp): Promise<void> {
    const { trx, ctx, item } = op;
    item.remote_address_group_id ??= null;
    normalizeRule(item);
    // The group the request loaded to authorize. No lock here: the group's row is locked by
    // afterCreate's revision bump, as late as possible, since concurrent rule changes of one
    // group wait for each other from there to commit (PostgreSQL); the rule's foreign key
    // keeps the group from being deleted meanwhile.
    const group = this.createdParent(op, 'security_groups', item.security_group_id) ?? (await this.groups.repo.findById(trx, item.security_group_id));
    if (!group || (!ctx.isAdmin && group.project_id !== item.project_id)) throw securityGroupNotFound(item.security_group_id);
    if (item.remote_group_id !== null) await this.groups.usableGroups(trx, ctx, [item.remote_group_id], item.project_id);
    if (item.remote_address_group_id !== null) await this.addressGroups?.checkUsable(trx, ctx, item.remote_address_group_id, item.project_id);

    const fingerprint = ruleFingerprint(item);
    // Fingerprints of the rules created so far in this request (a bulk POST may not repeat one).
    const seen = op.batch.shared('security_group_rules:fingerprints', () => new Set<string>());
    if (seen.has(fingerprint)) throw duplicateRuleInPost();
    const [existing] = await this.repo.prepared.run(trx, 'byFingerprint', [fingerprint], (q, arg) => q.selectFrom('security_group_rules').select('id').where('fingerprint', '=', arg(0)));
    if (existing) throw ruleExists(existing.id);
    seen.add(fingerprint);
    item.fingerprint = fingerprint;
  }

  /** A rule change is a change of its group (revision_number, updated_at). */
  protected override async afterCreate(op: CreateOp): Promise<void> {
    const { trx, item } = op;
    await this.groups.touch(trx, item.security_group_id);
  }

  protected override async beforeDelete(op: DeleteOp): Promise<void> {
    const { trx, item: current } = op;
    await this.groups.touch(trx, current.security_group_id);
  }
}

/** The unique key on security_group_rules.fingerprint refused an insert. */
function isFingerprintTaken(err: unknown): boolean {
  return isUniqueViolation(err) && /fingerprint/.test(`${(err as { constraint?: string }).constraint ?? ''} ${(err as Error).message}`);
}
