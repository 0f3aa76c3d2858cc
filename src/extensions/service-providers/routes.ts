// GET /v2.0/service-providers (extension service-type): the drivers this deployment has
// for advanced services. Neutron's L3 plugin lists its router drivers (single_node, ha,
// dvr, dvrha), none marked default; Neutrino has only the single-node one (no HA or DVR
// routers).
import { notAuthorized } from '../../foundation/errors.ts';
import type { RouteModule } from '../../framework/feature.ts';

export const serviceProviderRoutes: RouteModule = (server, app, http) => {
  if (!app.registry.has('service-type')) return;
  server.get('/v2.0/service-providers', async (req) => {
    if (!app.policy.enforce(req.ctx, 'get_service_provider', {})) throw notAuthorized('get_service_provider');
    const providers = app.registry.has('router') ? [{ service_type: 'L3_ROUTER_NAT', name: 'single_node', default: false }] : [];
    return { service_providers: http.filterStatic(providers, req.query as Record<string, string | string[] | undefined>, ['service_type', 'name', 'default']) };
  });
};
