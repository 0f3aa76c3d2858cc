// The quotas API's behaviour (/v2.0/quotas, routes.ts): reading limits, usage details and
// defaults, and setting or resetting a project's limits, under Neutron's policy
// (get_quota: admin or the project's reader; update/delete_quota: admin). Counting and
// enforcing usage is the framework's QuotaService (src/framework/quotas.ts).
import type { RequestContext } from '../../foundation/context.ts';
import { badRequest, notAuthorized } from '../../foundation/errors.ts';
import { display, INT32_MAX, invalidAttr } from '../../foundation/validation.ts';
import type { ServiceDeps } from '../../framework/deps.ts';
import type { Tx } from '../../db/index.ts';

/** A boolean request flag (`check_limit`, `force`): JSON booleans or their string forms, as Neutron converts them. */
function parseFlag(name: string, raw: unknown): boolean {
  if (raw === undefined || raw === null) return false;
  if (typeof raw === 'boolean') return raw;
  if (typeof raw === 'string' && /^(true|false|1|0)$/i.test(raw)) return /^(true|1)$/i.test(raw);
  throw invalidAttr(name, `'${display(raw)}' cannot be converted to boolean`);
}

declare module '../../framework/lookup.ts' {
  interface ServiceLookup {
    quotaAdmin?: QuotaAdmin;
  }
}

export interface QuotaDetail {
  limit: number;
  used: number;
  reserved: number;
}

export class QuotaAdmin {
  constructor(private readonly app: ServiceDeps) {}

  private authorize(ctx: RequestContext, action: string, project?: string): void {
    const target = project === undefined ? {} : { project_id: project, tenant_id: project };
    if (!this.app.policy.enforce(ctx, action, target)) throw notAuthorized(action);
  }

  /** Every project with limits of its own, with all its limits (admin). */
  async list(ctx: RequestContext): Promise<Record<string, unknown>[]> {
    this.authorize(ctx, 'get_quota');
    const db = this.app.database.db;
    const rows = await db.selectFrom('quotas').select('project_id').distinct().execute();
    const quotas = [];
    for (const { project_id } of rows) quotas.push({ ...(await this.app.quotas.limits(db, project_id)), project_id, tenant_id: project_id });
    return quotas;
  }

  async limits(ctx: RequestContext, project: string): Promise<Record<string, number>> {
    this.authorize(ctx, 'get_quota', project);
    return this.app.quotas.limits(this.app.database.db, project);
  }

  /** Neutron's defaults are the limits alone, equal to a reset project's limits. */
  defaults(ctx: RequestContext, project: string): Record<string, number> {
    this.authorize(ctx, 'get_quota', project);
    return this.app.quotas.defaults();
  }

  async details(ctx: RequestContext, project: string): Promise<Record<string, QuotaDetail>> {
    this.authorize(ctx, 'get_quota', project);
    const db = this.app.database.db;
    const limits = await this.app.quotas.limits(db, project);
    const quota: Record<string, QuotaDetail> = {};
    for (const [resource, limit] of Object.entries(limits)) {
      quota[resource] = { limit, used: await this.app.quotas.usage(db, project, resource), reserved: 0 };
    }
    return quota;
  }

  /** Sets the given limits (body: the `quota` object of PUT /v2.0/quotas/{project}). */
  async update(ctx: RequestContext, project: string, body: unknown): Promise<Record<string, number>> {
    this.authorize(ctx, 'update_quota');
    if (typeof body !== 'object' || body === null) throw badRequest(`Unable to find 'quota' in request body`);
    const known = this.app.quotas.defaults();
    const unknown = Object.keys(body).filter((k) => !Object.hasOwn(known, k) && k !== 'force' && k !== 'check_limit');
    if (unknown.length) throw badRequest(`Unrecognized attribute(s) '${unknown.join(', ')}'`);
    const checkLimit = parseFlag('check_limit', (body as Record<string, unknown>).check_limit);
    parseFlag('force', (body as Record<string, unknown>).force);
    const values: [string, number][] = [];
    for (const [resource, raw] of Object.entries(body)) {
      if (resource === 'force' || resource === 'check_limit') continue;
      const n = typeof raw === 'string' && /^-?\d+$/.test(raw) ? Number(raw) : raw;
      if (typeof n !== 'number' || !Number.isInteger(n) || n < -1) throw invalidAttr(resource, `'${display(raw)}' is not an integer greater or equal to -1`);
      if (n > INT32_MAX) throw invalidAttr(resource, `'${display(raw)}' is too large - must be no larger than '${INT32_MAX}'`);
      values.push([resource, n]);
    }
    await this.app.transact(async (trx) => {
      if (checkLimit) await this.checkAboveUsage(trx, project, values);
      for (const [resource, hard_limit] of values) {
        // An upsert: concurrent updates of one project's quota must not race on the primary key.
        await trx
          .insertInto('quotas')
          .values({ project_id: project, resource, hard_limit })
          .onConflict((oc) => oc.columns(['project_id', 'resource']).doUpdateSet({ hard_limit }))
          .execute();
      }
    });
    return this.app.quotas.limits(this.app.database.db, project);
  }

  /**
   * quota-check-limit: 400 when a new limit is below the project's usage. The quota lock of
   * each resource (taken shared by every counted create) makes the usage read exact until
   * the new limit commits. -1 (unlimited) is never below usage.
   */
  private async checkAboveUsage(trx: Tx, project: string, values: [string, number][]): Promise<void> {
    for (const [resource, limit] of values) {
      if (limit < 0) continue;
      await this.app.database.lockKey(trx, `quota:${project}:${resource}`);
      const used = await this.app.quotas.usage(trx, project, resource);
      if (used > limit) throw badRequest(`Quota limit ${limit} for ${resource} must be greater than or equal to already used ${used}`);
    }
  }

  /** Back to the defaults. */
  async reset(ctx: RequestContext, project: string): Promise<void> {
    this.authorize(ctx, 'delete_quota');
    await this.app.database.db.deleteFrom('quotas').where('project_id', '=', project).execute();
  }
}
