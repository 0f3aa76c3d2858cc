// GET /v2.0/availability_zones: the zones networks and routers can be scheduled to. Without
// agents reporting zones, every configured zone is available for both resources.
import type { FastifyInstance } from 'fastify';
import type { App } from '../../app.ts';
import { filterStatic } from './static-list.ts';

export function registerAvailabilityZoneRoutes(server: FastifyInstance, app: App): void {
  if (!app.registry.has('availability_zone')) return;
  server.get('/v2.0/availability_zones', async (req) => {
    const raw = req.query as Record<string, string | string[] | undefined>;
    const resources = ['network', ...(app.registry.has('router_availability_zone') ? ['router'] : [])];
    const zones = app.config.network.default_availability_zones.flatMap((name) => resources.map((resource) => ({ name, resource, state: 'available' })));
    return { availability_zones: filterStatic(zones, raw, ['name', 'resource', 'state']) };
  });
}
