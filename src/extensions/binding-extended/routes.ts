// /v2.0/ports/{port_id}/bindings[/{host}[/activate]] (binding-extended): a binding's key is
// its host, so these are routes of their own rather than a generic sub-resource.
import type { RouteModule } from '../../framework/feature.ts';

type Raw = Record<string, string | string[] | undefined>;

export const portBindingRoutes: RouteModule = (server, deps, http) => {
  const bindings = deps.services.portBindings;
  if (!bindings || !deps.registry.has('binding-extended')) return;
  const params = (req: { params: unknown }) => req.params as { id: string; host: string };
  const fieldsOf = (query: unknown) => http.asList((query as Raw).fields).flatMap((f) => f.split(',')).filter(Boolean);

  server.get('/v2.0/ports/:id/bindings', async (req) => {
    const list = await bindings.list(req.ctx, params(req).id);
    return { bindings: http.filterStatic(list as unknown as Record<string, unknown>[], { ...(req.query as Raw) }, ['host', 'vif_type', 'vnic_type', 'status']) };
  });
  server.post('/v2.0/ports/:id/bindings', async (req, reply) => {
    const binding = await bindings.create(req.ctx, params(req).id, req.body);
    reply.code(201);
    return { binding };
  });
  server.get('/v2.0/ports/:id/bindings/:host', async (req) => {
    const fields = fieldsOf(req.query);
    return { binding: http.project((await bindings.show(req.ctx, params(req).id, params(req).host)) as unknown as Record<string, unknown>, fields.length ? fields : undefined) };
  });
  server.put('/v2.0/ports/:id/bindings/:host', async (req) => ({ binding: await bindings.update(req.ctx, params(req).id, params(req).host, req.body) }));
  server.put('/v2.0/ports/:id/bindings/:host/activate', async (req) => ({ binding: await bindings.activate(req.ctx, params(req).id, params(req).host) }));
  server.delete('/v2.0/ports/:id/bindings/:host', async (req, reply) => {
    await bindings.delete(req.ctx, params(req).id, params(req).host);
    reply.code(204);
    return reply.send();
  });
};
