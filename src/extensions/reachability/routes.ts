// POST /v2.0/reachability/explain {"reachability": {source, destination, protocol, port}}:
// a question, not a stored resource (nothing is created; the answer is 200).
import type { RouteModule } from '../../framework/feature.ts';

export const reachabilityRoutes: RouteModule = (server, app) => {
  const service = app.services.reachability;
  if (!service) return;
  server.post('/v2.0/reachability/explain', async (req) => ({ reachability: await service.explain(req.ctx, req.body) }));
};
