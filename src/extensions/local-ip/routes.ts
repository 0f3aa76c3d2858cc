// /v2.0/local_ips/{id}/port_associations[/{fixed_port_id}]: associations are keyed by their
// port, not by an id of their own, so they are not a plain (generic) sub-resource.
import type { RouteModule } from '../../framework/feature.ts';
import type { Item } from '../../framework/repository.ts';
import { badRequest } from '../../foundation/errors.ts';

type Params = { id: string; port_id: string };
type Raw = Record<string, string | string[] | undefined>;

const FILTERS = ['local_ip_address', 'fixed_port_id', 'fixed_ip', 'host'];

export const localIpAssociationRoutes: RouteModule = (server, app, http) => {
  const localIps = app.services.localIps;
  if (!localIps) return;
  const base = '/v2.0/local_ips/:id/port_associations';
  server.get(base, async (req) => {
    const { sort_key, sort_dir, ...raw } = req.query as Raw;
    const items = await localIps.listAssociations(req.ctx, (req.params as Params).id);
    const keys = http.asList(sort_key);
    const desc = http.asList(sort_dir).map((d) => d === 'desc');
    for (const key of keys) if (!FILTERS.includes(key)) throw badRequest(`[${key}] is invalid attribute for sorting`);
    items.sort((a: Item, b: Item) => {
      for (const [i, key] of keys.entries()) {
        const order = String(a[key]).localeCompare(String(b[key]));
        if (order) return desc[i] ? -order : order;
      }
      return 0;
    });
    return { port_associations: http.filterStatic(items, raw, FILTERS) };
  });
  server.get(`${base}/:port_id`, async (req) => {
    const { id, port_id } = req.params as Params;
    const fields = http.asList((req.query as Raw).fields).flatMap((f) => f.split(',')).filter(Boolean);
    return { port_association: http.project(await localIps.showAssociation(req.ctx, id, port_id), fields.length ? fields : undefined) };
  });
  server.post(base, async (req, reply) => {
    const created = await localIps.createAssociation(req.ctx, (req.params as Params).id, req.body);
    reply.code(201);
    return { port_association: created };
  });
  server.delete(`${base}/:port_id`, async (req, reply) => {
    const { id, port_id } = req.params as Params;
    await localIps.deleteAssociation(req.ctx, id, port_id);
    reply.code(204);
    return reply.send();
  });
};
