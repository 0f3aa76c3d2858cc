// Version discovery: GET / lists the versions (300 Multiple Choices), GET /v3 describes v3,
// as Keystone renders them; keystoneauth and the SDK follow these to find the v3 API.
import type { FastifyInstance } from 'fastify';
import type { RouteContext } from './route-context.ts';

/** Keystone's newest v3 minor version and its date (Keystone 22, Zed). */
const VERSION = { id: 'v3.14', status: 'stable', updated: '2020-04-07T00:00:00Z' };

export function registerDiscoveryRoutes(server: FastifyInstance, { render }: RouteContext): void {
  const v3 = () => ({
    ...VERSION,
    links: [{ rel: 'self', href: render.url('') }],
    'media-types': [{ base: 'application/json', type: 'application/vnd.openstack.identity-v3+json' }],
  });
  server.get('/', async (_req, reply) => {
    reply.code(300).header('location', render.url(''));
    return { versions: { values: [v3()] } };
  });
  server.get('/v3', async () => ({ version: v3() }));
}
