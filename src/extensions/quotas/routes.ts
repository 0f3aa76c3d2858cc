// /v2.0/quotas: per-project limits (admins set them; projects read their own), usage
// details and defaults. The behaviour is QuotaAdmin's (quota-admin.ts).
import type { RouteModule } from '../../framework/feature.ts';

export const quotaRoutes: RouteModule = (server, app) => {
  const quotas = app.services.quotaAdmin;
  if (!quotas) return;
  const projectOf = (params: unknown) => (params as { project: string }).project;

  server.get('/v2.0/quotas', async (req) => ({ quotas: await quotas.list(req.ctx) }));
  server.get('/v2.0/quotas/tenant', async (req) => ({ tenant: { tenant_id: req.ctx.projectId } }));
  server.get('/v2.0/quotas/project', async (req) => ({ project: { project_id: req.ctx.projectId } }));
  server.get('/v2.0/quotas/:project/default', async (req) => ({ quota: quotas.defaults(req.ctx, projectOf(req.params)) }));
  server.get('/v2.0/quotas/:project/details', async (req) => ({ quota: await quotas.details(req.ctx, projectOf(req.params)) }));
  server.get('/v2.0/quotas/:project', async (req) => ({ quota: await quotas.limits(req.ctx, projectOf(req.params)) }));

  server.put('/v2.0/quotas/:project', async (req) => {
    const body = req.body as { quota?: unknown } | undefined;
    return { quota: await quotas.update(req.ctx, projectOf(req.params), body?.quota) };
  });

  server.delete('/v2.0/quotas/:project', async (req, reply) => {
    await quotas.reset(req.ctx, projectOf(req.params));
    reply.code(204);
    return reply.send();
  });
};
