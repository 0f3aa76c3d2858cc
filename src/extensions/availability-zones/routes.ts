// GET /v2.0/availability_zones: the zones networks and routers can be scheduled to. Without
// agents reporting zones, every configured zone is available for both resources.
import type { RouteModule } from '../../framework/feature.ts';

export const availabilityZoneRoutes: RouteModule = (server, app, http) => {
  if (!app.registry.has('availability_zone')) return;
  server.get('/v2.0/availability_zones', async (req) => {
    const raw = req.query as Record<string, string | string[] | undefined>;
    const resources = ['network', ...(app.registry.has('router_availability_zone') ? ['router'] : [])];
    const zones = app.config.network.default_availability_zones.flatMap((name) => resources.map((resource) => ({ name, resource, state: 'available' })));
    return { availability_zones: http.filterStatic(zones, raw, ['name', 'resource', 'state']) };
  });
};
