// GET /v2.0/log/loggable-resources: the logging types the drivers support, each shown to
// callers that pass get_loggable_resource (admins by default; others get an empty list,
// as Neutron filters items by policy).
import type { RouteModule } from '../../framework/feature.ts';
import { LOGGABLE_TYPES } from './log-service.ts';

export const loggableResourceRoutes: RouteModule = (server, app, http) => {
  if (!app.registry.has('logging')) return;
  server.get('/v2.0/log/loggable-resources', async (req) => {
    const raw = req.query as Record<string, string | string[] | undefined>;
    const types = LOGGABLE_TYPES.map((type) => ({ type })).filter((item) => app.policy.enforce(req.ctx, 'get_loggable_resource', item));
    return { loggable_resources: http.filterStatic(types, raw, ['type']) };
  });
};
