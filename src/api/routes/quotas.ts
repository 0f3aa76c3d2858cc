// /v2.0/quotas: per-project limits (admins set them; projects read their own), usage
// details and defaults. Limits live in the `quotas` table; QuotaService owns counting.
import type { FastifyInstance } from 'fastify';
import type { App } from '../../app.ts';
import type { RequestContext } from '../../foundation/context.ts';
import { badRequest, notAuthorized } from '../../foundation/errors.ts';
import { display, INT32_MAX, invalidAttr } from '../../foundation/validation.ts';

export function registerQuotaRoutes(server: FastifyInstance, app: App): void {
  const db = () => app.database.db;
  // Decided by the policy (get_quota: admin or the project's reader; update/delete_quota: admin).
  const authorize = (ctx: RequestContext, action: string, project?: string) => {
    const target = project === undefined ? {} : { project_id: project, tenant_id: project };
    if (!app.policy.enforce(ctx, action, target)) throw notAuthorized(action);
  };
  const mayRead = (ctx: RequestContext, project: string) => authorize(ctx, 'get_quota', project);
  const requireAdmin = (ctx: RequestContext, action: string) => authorize(ctx, action);

  server.get('/v2.0/quotas', async (req) => {
    requireAdmin(req.ctx, 'get_quota');
    const rows = await db().selectFrom('quotas').select('project_id').distinct().execute();
    const quotas = [];
    for (const { project_id } of rows) quotas.push({ ...(await app.quotas.limits(db(), project_id)), project_id, tenant_id: project_id });
    return { quotas };
  });

  server.get('/v2.0/quotas/tenant', async (req) => ({ tenant: { tenant_id: req.ctx.projectId } }));
  server.get('/v2.0/quotas/project', async (req) => ({ project: { project_id: req.ctx.projectId } }));

  server.get('/v2.0/quotas/:project/default', async (req) => {
    const { project } = req.params as { project: string };
    mayRead(req.ctx, project);
    // Neutron's defaults are the limits alone, equal to a reset project's GET /quotas/{id}.
    return { quota: app.quotas.defaults() };
  });

  server.get('/v2.0/quotas/:project/details', async (req) => {
    const { project } = req.params as { project: string };
    mayRead(req.ctx, project);
    const limits = await app.quotas.limits(db(), project);
    const quota: Record<string, unknown> = {};
    for (const [resource, limit] of Object.entries(limits)) {
      quota[resource] = { limit, used: await app.quotas.usage(db(), project, resource), reserved: 0 };
    }
    return { quota };
  });

  server.get('/v2.0/quotas/:project', async (req) => {
    const { project } = req.params as { project: string };
    mayRead(req.ctx, project);
    return { quota: await app.quotas.limits(db(), project) };
  });

  server.put('/v2.0/quotas/:project', async (req) => {
    requireAdmin(req.ctx, 'update_quota');
    const { project } = req.params as { project: string };
    const body = req.body as { quota?: Record<string, unknown> } | undefined;
    if (!body || typeof body.quota !== 'object' || body.quota === null) throw badRequest(`Unable to find 'quota' in request body`);
    const known = app.quotas.defaults();
    const unknown = Object.keys(body.quota).filter((k) => !Object.hasOwn(known, k) && k !== 'force' && k !== 'check_limit');
    if (unknown.length) throw badRequest(`Unrecognized attribute(s) '${unknown.join(', ')}'`);
    const values: [string, number][] = [];
    for (const [resource, raw] of Object.entries(body.quota)) {
      if (resource === 'force' || resource === 'check_limit') continue;
      const n = typeof raw === 'string' && /^-?\d+$/.test(raw) ? Number(raw) : raw;
      if (typeof n !== 'number' || !Number.isInteger(n) || n < -1) throw invalidAttr(resource, `'${display(raw)}' is not an integer greater or equal to -1`);
      if (n > INT32_MAX) throw invalidAttr(resource, `'${display(raw)}' is too large - must be no larger than '${INT32_MAX}'`);
      values.push([resource, n]);
    }
    await app.transact(async (trx) => {
      for (const [resource, hard_limit] of values) {
        // An upsert: concurrent updates of one project's quota must not race on the primary key.
        await trx
          .insertInto('quotas')
          .values({ project_id: project, resource, hard_limit })
          .onConflict((oc) => oc.columns(['project_id', 'resource']).doUpdateSet({ hard_limit }))
          .execute();
      }
    });
    return { quota: await app.quotas.limits(db(), project) };
  });

  server.delete('/v2.0/quotas/:project', async (req, reply) => {
    requireAdmin(req.ctx, 'delete_quota');
    const { project } = req.params as { project: string };
    await db().deleteFrom('quotas').where('project_id', '=', project).execute();
    reply.code(204);
    return reply.send();
  });
}
