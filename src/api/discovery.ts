// Version documents (GET /, GET /v2.0) and extension discovery (GET /v2.0/extensions).
import type { FastifyInstance } from 'fastify';
import type { App } from '../app.ts';
import { publicUrl } from '../config/index.ts';
import { NeutronError } from '../foundation/errors.ts';

export function registerDiscoveryRoutes(server: FastifyInstance, app: App): void {
  const root = () => publicUrl(app.config);
  const listed = () => app.registry.extensions.filter((e) => !e.core);
  const render = (e: (typeof app.registry.extensions)[number]) => ({ alias: e.alias, name: e.name, description: e.description, updated: e.updated, links: [] });

  server.get('/', async () => ({ versions: [{ id: 'v2.0', status: 'CURRENT', links: [{ href: `${root()}/v2.0/`, rel: 'self' }] }] }));
  server.get('/v2.0', async () => ({
    resources: [...app.registry.resources.values()]
      .filter((r) => !r.parent)
      .map((r) => ({ name: r.member, collection: r.collection, links: [{ href: `${root()}/v2.0/${r.collection}`, rel: 'self' }] })),
  }));
  server.get('/v2.0/extensions', async () => ({ extensions: listed().map(render) }));
  server.get('/v2.0/extensions/:alias', async (req) => {
    const { alias } = req.params as { alias: string };
    const ext = listed().find((e) => e.alias === alias);
    if (!ext) throw new NeutronError(404, 'HTTPNotFound', `Extension with alias ${alias} does not exist`);
    return { extension: render(ext) };
  });
}
