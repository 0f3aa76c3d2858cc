// L3's routes that are not plain resources: /v2.0/auto-allocated-topology/{project_id}
// (GET builds or returns the project's topology, `?fields=dry-run` checks that it could;
// DELETE removes it) and GET /v2.0/floatingip_pools.
import type { RouteModule } from '../../framework/feature.ts';

export const autoAllocatedTopologyRoutes: RouteModule = (server, app, http) => {
  if (!app.registry.has('auto-allocated-topology')) return;
  const path = '/v2.0/auto-allocated-topology/:project';
  server.get(path, async (req) => {
    const { project } = req.params as { project: string };
    const fields = http.asList((req.query as Record<string, string | string[] | undefined>).fields).flatMap((f) => f.split(',')).filter(Boolean);
    return { auto_allocated_topology: await app.services.autoAllocator.get(req.ctx, project, fields) };
  });
  server.delete(path, async (req, reply) => {
    await app.services.autoAllocator.delete(req.ctx, (req.params as { project: string }).project);
    reply.code(204);
    return reply.send();
  });
};

export const floatingIpPoolRoutes: RouteModule = (server, app) => {
  const pools = app.services.floatingipPools;
  if (!pools) return;
  server.get('/v2.0/floatingip_pools', async (req) => ({ floatingip_pools: await pools.list(req.ctx) }));
};
