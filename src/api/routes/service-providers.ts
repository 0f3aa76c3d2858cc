// GET /v2.0/service-providers (service-type): the drivers this deployment has for each
// advanced service type, with the one used when no flavor is chosen as default.
import type { FastifyInstance } from 'fastify';
import type { App } from '../../app.ts';
import { notAuthorized } from '../errors.ts';
import { filterStatic } from './static-list.ts';

export function registerServiceProviderRoutes(server: FastifyInstance, app: App): void {
  if (!app.registry.has('service-type')) return;
  server.get('/v2.0/service-providers', async (req) => {
    if (!app.policy.enforce(req.ctx, 'get_service_provider', {})) throw notAuthorized('get_service_provider');
    // Routers are served by the built-in single-node driver (no HA or DVR routers).
    const providers = app.registry.has('router') ? [{ service_type: 'L3_ROUTER_NAT', name: 'single_node', default: true }] : [];
    return { service_providers: filterStatic(providers, req.query as Record<string, string | string[] | undefined>, ['service_type', 'name', 'default']) };
  });
}
