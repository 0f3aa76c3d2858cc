// /v2.0/auto-allocated-topology/{project_id}: GET builds (or returns) the project's
// topology, `?fields=dry-run` checks that it could; DELETE removes it.
import type { FastifyInstance } from 'fastify';
import type { App } from '../../app.ts';
import { asList } from '../query.ts';

export function registerAutoAllocatedTopologyRoutes(server: FastifyInstance, app: App): void {
  if (!app.registry.has('auto-allocated-topology')) return;
  const path = '/v2.0/auto-allocated-topology/:project';
  server.get(path, async (req) => {
    const { project } = req.params as { project: string };
    const fields = asList((req.query as Record<string, string | string[] | undefined>).fields).flatMap((f) => f.split(',')).filter(Boolean);
    return { auto_allocated_topology: await app.services.autoAllocator.get(req.ctx, project, fields) };
  });
  server.delete(path, async (req, reply) => {
    await app.services.autoAllocator.delete(req.ctx, (req.params as { project: string }).project);
    reply.code(204);
    return reply.send();
  });
}
