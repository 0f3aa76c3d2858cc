// GET /v2.0/service-providers (extension `service-type`): the drivers an operator
// configured for advanced services. Neutrino's services are built in, with no pluggable
// providers to choose between, so the list is empty — as Neutron's is when its
// [service_providers] section names none.
import type { FastifyInstance } from 'fastify';
import type { App } from '../../app.ts';

export function registerServiceProviderRoutes(server: FastifyInstance, app: App): void {
  if (!app.registry.has('service-type')) return;
  server.get('/v2.0/service-providers', async () => ({ service_providers: [] }));
}
