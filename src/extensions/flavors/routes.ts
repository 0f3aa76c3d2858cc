// The flavor ↔ service profile associations, which are not plain resources:
// POST /v2.0/flavors/{id}/service_profiles and DELETE .../service_profiles/{profile_id}.
import type { RouteModule } from '../../framework/feature.ts';

export const flavorProfileRoutes: RouteModule = (server, app) => {
  const flavors = app.services.flavors;
  if (!flavors) return;
  server.post('/v2.0/flavors/:id/service_profiles', async (req, reply) => {
    const out = await flavors.associate(req.ctx, (req.params as { id: string }).id, req.body);
    reply.code(201);
    return out;
  });
  server.delete('/v2.0/flavors/:id/service_profiles/:profile_id', async (req, reply) => {
    const { id, profile_id } = req.params as { id: string; profile_id: string };
    await flavors.disassociate(req.ctx, id, profile_id);
    reply.code(204);
    return reply.send();
  });
};
