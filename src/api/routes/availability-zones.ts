// GET /v2.0/availability_zones: the zones networks and routers can be scheduled to. Without
// agents reporting zones, every configured zone is available for both resources.
import type { FastifyInstance } from 'fastify';
import type { App } from '../../app.ts';
import { badRequest } from '../errors.ts';
import { asList } from '../query.ts';

const FILTERS = ['name', 'resource', 'state'];

export function registerAvailabilityZoneRoutes(server: FastifyInstance, app: App): void {
  if (!app.registry.has('availability_zone')) return;
  server.get('/v2.0/availability_zones', async (req) => {
    const raw = req.query as Record<string, string | string[] | undefined>;
    const resources = ['network', ...(app.registry.has('router_availability_zone') ? ['router'] : [])];
    let zones: Record<string, string>[] = app.config.network.default_availability_zones.flatMap((name) => resources.map((resource) => ({ name, resource, state: 'available' })));
    for (const [key, value] of Object.entries(raw)) {
      if (key === 'fields') continue;
      if (!FILTERS.includes(key)) throw badRequest(`[${key}] is invalid attribute for filtering`);
      const wanted = asList(value);
      zones = zones.filter((z) => wanted.includes(z[key]));
    }
    const fields = asList(raw.fields).flatMap((f) => f.split(',')).filter(Boolean);
    const shown = fields.length ? zones.map((z) => Object.fromEntries(fields.filter((f) => f in z).map((f) => [f, z[f]]))) : zones;
    return { availability_zones: shown };
  });
}
