// Security groups: the one `default` group every project gets on first need (created
// exactly once, even under concurrent requests), the default rules a new group starts
// with, rules rendered inline, and the protections Neutron gives groups (the default
// group cannot be renamed or deleted by its owner, a group in use by ports cannot be
// deleted nor change statefulness).
import type { Transaction } from 'kysely';
import type { ServiceDeps } from '../../framework/deps.ts';
import type { RequestContext } from '../../foundation/context.ts';
import type { Tx } from '../../db/index.ts';
import { ResourceService, type Item, type ListQuery } from '../../framework/resource-service.ts';
import { Batch, type CreateOp, type DeleteOp, type UpdateOp } from '../../framework/operation.ts';
import { grantsTo } from '../../framework/rbac/access.ts';
import { templateRules } from './default-rule-service.ts';
import { cannotRemoveDefault, cannotUpdateDefault, defaultAlreadyExists, securityGroupInUse, securityGroupNotFound } from './errors.ts';

const DEFAULT_GROUP_NAME = 'default';
const DEFAULT_GROUP_DESCRIPTION = 'Default security group';
/** WriteOptions.by when the project's default group is being created (it may be named `default`). */
const DEFAULT_GROUP = 'default-security-group';

declare module '../../framework/lookup.ts' {
  interface ServiceLookup {
    securityGroups?: SecurityGroupService;
  }
}

export class SecurityGroupService extends ResourceService {

  constructor(app: ServiceDeps) {
    super(app, 'security_groups');
    if (app.registry.has('rbac-security-groups')) {
      app.rbac.register({
        type: 'security_group',
        collection: 'security_groups',
        actions: ['access_as_shared'],
        // Projects whose ports use the group: withdrawing their access is refused.
        usersOf: async (trx, id) => {
          const rows = await trx
            .selectFrom('securitygroupportbindings')
            .innerJoin('ports', 'ports.id', 'securitygroupportbindings.port_id')
            .select('ports.project_id')
            .distinct()
            .where('securitygroupportbindings.security_group_id', '=', id)
            .execute();
          return rows.map((r: { project_id: string }) => r.project_id);
        },
      });
    }
  }

  private get rules() {
    return this.app.services.securityGroupRules!;
  }

  protected override notFound(id: string) {
    return securityGroupNotFound(id);
  }

  // ------------------------------------------------------------------ default group

  async defaultGroupId(q: Tx, projectId: string): Promise<string | undefined> {
    const [row] = await this.app.database.prepared.run(q, 'default_security_group:byProject', [projectId], (q, arg) => q.selectFrom('default_security_group').select('security_group_id').where('project_id', '=', arg(0)));
    return row?.security_group_id;
  }

  /**
   * The project's default group, created now if it has none. A non-admin may not cause
   * another project's default group to be created (Neutron bug 1987410): undefined then.
   */
  async ensureDefaultIn(trx: Transaction<any>, ctx: RequestContext, projectId: string | null | undefined, batch: Batch = new Batch()): Promise<string | undefined> {
    if (!projectId || (!ctx.isAdmin && projectId !== ctx.projectId)) return undefined;
    // Default group ids already found or made in this request (a bulk of ports asks once per project).
    const known = batch.shared('default-security-groups', () => new Map<string, string>());
    const id = known.get(projectId) ?? (await this.findOrCreateDefault(trx, ctx, projectId));
    known.set(projectId, id);
    return id;
  }

  private async findOrCreateDefault(trx: Transaction<any>, ctx: RequestContext, projectId: string): Promise<string> {
    const existing = await this.defaultGroupId(trx, projectId);
    if (existing) return existing;
    // Concurrent first requests of a project wait here; the primary key of
    // default_security_group backs this up.
    await this.app.database.lockKey(trx, `default-security-group:${projectId}`);
    const created = await this.defaultGroupId(trx, projectId);
    if (created) return created;
    const group = await this.createIn(trx, ctx, { name: DEFAULT_GROUP_NAME, description: DEFAULT_GROUP_DESCRIPTION, project_id: projectId }, { internal: true, by: DEFAULT_GROUP });
    return group.id;
  }

  /** Outside a transaction: ensures the default group in its own (cheap when it exists). */
  async ensureDefault(ctx: RequestContext, projectId: string | null | undefined): Promise<void> {
    if (!projectId || (!ctx.isAdmin && projectId !== ctx.projectId)) return;
    if (await this.defaultGroupId(this.app.database.db, projectId)) return;
    await this.app.transact((trx) => this.ensureDefaultIn(trx, ctx, projectId));
  }

  /** Neutron ensures the caller's (or the filtered project's) default group on every list. */
  override async list(ctx: RequestContext, query: ListQuery): Promise<Item[]> {
    await this.ensureDefault(ctx, (query.filters.project_id?.[0] as string | undefined) ?? ctx.projectId);
    return super.list(ctx, query);
  }

  // ------------------------------------------------------------------ lifecycle

  protected override async beforeCreate(op: CreateOp): Promise<void> {
    const { trx, ctx, item } = op;
    if (op.options.by === DEFAULT_GROUP) return;
    if (typeof item.name === 'string' && item.name.toLowerCase() === DEFAULT_GROUP_NAME) throw defaultAlreadyExists();
    await this.ensureDefaultIn(trx, ctx, item.project_id, op.batch);
    // The group's initial rules count against the rule quota (checked, as Neutron does, before the group exists).
    const initial = await this.initialRules(trx, '', false);
    await this.app.quotas.reserve(trx, item.project_id, 'security_group_rule', initial.length, op.batch);
  }

  /** The rules a new group starts with (the default rule template; seeded with Neutron's legacy defaults). */
  private initialRules(trx: Transaction<any>, groupId: string, isDefault: boolean): Promise<Item[]> {
    return templateRules(trx, groupId, isDefault);
  }

  protected override async afterCreate(op: CreateOp): Promise<void> {
    const { trx, ctx, item } = op;
    const isDefault = op.options.by === DEFAULT_GROUP;
    if (isDefault) await trx.insertInto('default_security_group').values({ project_id: item.project_id, security_group_id: item.id }).execute();
    for (const rule of await this.initialRules(trx, item.id, isDefault)) {
      await this.rules.createIn(trx, ctx, { ...rule, security_group_id: item.id, project_id: item.project_id }, { internal: true });
    }
  }

  /** Port ids bound to the group (one is enough to call it in use). */
  private async boundToPorts(trx: Tx, id: string): Promise<boolean> {
    const row = await trx.selectFrom('securitygroupportbindings').select('port_id').where('security_group_id', '=', id).limit(1).executeTakeFirst();
    return row !== undefined;
  }

  protected override async beforeUpdate(op: UpdateOp): Promise<void> {
    const { trx, current, changes } = op;
    if (typeof changes.name === 'string' && changes.name.toLowerCase() === DEFAULT_GROUP_NAME) throw defaultAlreadyExists();
    if (current.name === DEFAULT_GROUP_NAME && 'name' in changes) throw cannotUpdateDefault();
    if ('stateful' in changes && changes.stateful !== current.stateful && (await this.boundToPorts(trx, current.id))) throw securityGroupInUse(current.id);
  }

  protected override async beforeDelete(op: DeleteOp): Promise<void> {
    const { trx, ctx, item: current } = op;
    if (await this.boundToPorts(trx, current.id)) throw securityGroupInUse(current.id);
    if (current.name === DEFAULT_GROUP_NAME && !ctx.isAdmin) throw cannotRemoveDefault();
    // Rules of other groups that name this one as their remote go with it (foreign key
    // cascade): those groups change.
    const referencing = await trx
      .selectFrom('security_group_rules')
      .select('security_group_id')
      .distinct()
      .where('remote_group_id', '=', current.id)
      .where('security_group_id', '!=', current.id)
      .execute();
    for (const r of referencing) await this.touch(trx, r.security_group_id);
  }

  /** Rules inline (all of them, whoever created them). */
  protected override async extend(q: Tx, ctx: RequestContext, items: Item[]): Promise<void> {
    const byGroup = await this.rules.rulesOfGroups(q, ctx, items.map((i) => i.id));
    for (const item of items) {
      item.security_group_rules = byGroup.get(item.id) ?? [];
    }
  }

  /** May a resource of projectId use this group (as a port's group or a rule's remote)? */
  async usableBy(q: Tx, ctx: RequestContext, group: Item, projectId: string): Promise<boolean> {
    if (ctx.isAdmin || group.project_id === projectId) return true;
    return !!(await grantsTo(q, 'security_group', [group.id], projectId, this.app.database.prepared)).get(group.id)?.has('access_as_shared');
  }

  /** The groups by id; throws SecurityGroupNotFound naming those missing or not usable by projectId. */
  async usableGroups(q: Tx, ctx: RequestContext, ids: string[], projectId: string): Promise<Item[]> {
    const found = await this.repo.findWhere(q, { id: ids });
    const usable: Item[] = [];
    for (const g of found) if (await this.usableBy(q, ctx, g, projectId)) usable.push(g);
    const missing = ids.filter((id) => !usable.some((g) => g.id === id));
    if (missing.length) throw securityGroupNotFound(missing.join(', '));
    return usable;
  }
}
