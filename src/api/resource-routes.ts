// The generic controller: serves list/show/create/update/delete, bulk create, member
// actions and the tags sub-resource for every resource in the registry, from its
// definition. Nothing here knows about any particular resource.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { App } from '../app.ts';
import type { Resource } from '../framework/registry.ts';
import type { ResourceService } from '../framework/resource-service.ts';
import { badRequest, NeutronError } from '../foundation/errors.ts';
import { paginationLinks, parseListQuery, project } from './query.ts';
import { publicUrl } from '../config/index.ts';

type Params = Record<string, string>;
type Raw = Record<string, string | string[] | undefined>;

/**
 * `If-Match: revision_number=N[, revision_number=M]` → [N, M]. Any integer is a valid
 * condition (a negative one never matches: 412), as in Neutron.
 */
function parseIfMatch(header: string | string[] | undefined): number[] | undefined {
  if (header === undefined) return undefined;
  const values = (Array.isArray(header) ? header.join(',') : header).split(',').map((s) => s.trim()).filter(Boolean);
  return values.map((v) => {
    const m = /^revision_number=(-?\d+)$/.exec(v);
    if (!m) throw badRequest(`If-Match header must be of form 'revision_number=<number>'; got '${v}'`);
    return Number(m[1]);
  });
}

function bodyOf(req: FastifyRequest): Record<string, any> {
  const body = req.body;
  if (body === null || body === undefined || typeof body !== 'object' || Array.isArray(body)) throw badRequest('Resource body required');
  return body as Record<string, any>;
}

const isObject = (v: unknown): v is Record<string, any> => v !== null && typeof v === 'object' && !Array.isArray(v);

function memberBody(req: FastifyRequest, resource: Resource): Record<string, any> {
  const body = bodyOf(req);
  if (!Object.hasOwn(body, resource.member)) throw badRequest(`Unable to find '${resource.member}' in request body`);
  const member = body[resource.member];
  if (!isObject(member)) throw badRequest(`Invalid input: '${resource.member}' must be an object.`);
  return member;
}

export function registerResourceRoutes(server: FastifyInstance, app: App, service: ResourceService): void {
  const resource = service.resource;
  // A sub-resource lives under its parent's path (`qos/policies/{id}/bandwidth_limit_rules`).
  const parentPath = resource.parent && (app.registry.resources.get(resource.parent.collection)?.path ?? resource.parent.collection);
  const base = resource.parent
    ? `/v2.0/${parentPath}/:parent_id/${resource.path ?? resource.collection}`
    : `/v2.0/${resource.path ?? resource.collection}`;
  const item = `${base}/:id`;

  // For sub-resources the parent id becomes a filter/attribute.
  const withParent = (req: FastifyRequest, body: Record<string, any>) => {
    if (resource.parent) body[resource.parent.column] = (req.params as Params).parent_id;
    return body;
  };
  // Sub-resources: the parent must be visible and (for member paths) hold the item.
  const checkParent = async (req: FastifyRequest, id?: string) => {
    if (resource.parent) await service.checkParent(req.ctx, (req.params as Params).parent_id, id);
  };

  server.get(base, async (req) => {
    const raw = { ...(req.query as Raw) };
    await checkParent(req);
    const query = parseListQuery(service, raw, app.config.api.pagination_max_limit);
    if (resource.parent) query.filters[resource.parent.column] = [(req.params as Params).parent_id];
    const items = await service.list(req.ctx, query);
    const out: Record<string, unknown> = { [resource.collection]: items.map((i) => project(i, query.fields)) };
    const links = paginationLinks(`${publicUrl(app.config)}${req.url.split('?')[0]}`, raw, query, items as { id: string }[]);
    if (links.length) out[`${resource.collection}_links`] = links;
    return out;
  });

  server.get(item, async (req) => {
    const { id } = req.params as Params;
    const fields = parseListQuery(service, { fields: (req.query as Raw).fields }).fields;
    await checkParent(req, id);
    const found = await service.show(req.ctx, id);
    return { [resource.member]: project(found, fields) };
  });

  const supports = (operation: 'create' | 'update' | 'delete') => !resource.operations || resource.operations.includes(operation);
  const unsupported = async (req: FastifyRequest) => {
    throw new NeutronError(405, 'HTTPMethodNotAllowed', `The method ${req.method} is not allowed for this resource.`);
  };

  server.post(base, !supports('create') ? unsupported : async (req, reply) => {
    const body = bodyOf(req);
    await checkParent(req);
    if (Object.hasOwn(body, resource.collection) && resource.allowBulk !== false) {
      const list = body[resource.collection];
      if (!Array.isArray(list) || list.length === 0) throw badRequest('Resources required');
      const max = app.config.api.max_bulk_items;
      if (max > 0 && list.length > max) throw badRequest(`Bulk request of ${list.length} ${resource.collection} exceeds the maximum of ${max} items.`);
      // Every item is an object, as Neutron requires (null items are not "all defaults").
      if (!list.every(isObject)) throw badRequest(`Invalid input: every item of '${resource.collection}' must be an object.`);
      const created = await service.create(
        req.ctx,
        list.map((b: Record<string, any>) => withParent(req, b)),
      );
      reply.code(201);
      return { [resource.collection]: created };
    }
    const created = await service.create(req.ctx, [withParent(req, memberBody(req, resource))]);
    reply.code(201);
    return { [resource.member]: created[0] };
  });

  server.put(item, !supports('update') ? unsupported : async (req) => {
    const { id } = req.params as Params;
    await checkParent(req, id);
    const updated = await service.update(req.ctx, id, memberBody(req, resource), parseIfMatch(req.headers['if-match']));
    return { [resource.member]: updated };
  });

  server.delete(item, !supports('delete') ? unsupported : async (req, reply) => {
    const { id } = req.params as Params;
    await checkParent(req, id);
    await service.delete(req.ctx, id, parseIfMatch(req.headers['if-match']));
    reply.code(204);
    return reply.send();
  });

  for (const [name, action] of Object.entries(resource.actions ?? {})) {
    const handler = (service as unknown as Record<string, (ctx: unknown, id: string, body: unknown) => Promise<unknown>>)[action.handler];
    if (typeof handler !== 'function') throw new Error(`${resource.collection}: action ${name} has no handler ${action.handler}`);
    server.route({
      method: action.method,
      url: `${item}/${name}`,
      handler: async (req: FastifyRequest) => handler.call(service, req.ctx, (req.params as Params).id, req.body ?? {}),
    });
  }

  if (resource.hasTags) registerTagRoutes(server, service, item);
}

function registerTagRoutes(server: FastifyInstance, service: ResourceService, item: string): void {
  const noContent = (reply: FastifyReply) => {
    reply.code(204);
    return reply.send();
  };
  server.get(`${item}/tags`, async (req) => ({ tags: await service.getTags(req.ctx, (req.params as Params).id) }));
  server.put(`${item}/tags`, async (req) => {
    const body = bodyOf(req);
    if (!Array.isArray(body.tags)) throw badRequest(`Invalid input for tags. Reason: '${JSON.stringify(body.tags)}' is not a list.`);
    return { tags: await service.changeTags(req.ctx, (req.params as Params).id, 'set', body.tags) };
  });
  server.delete(`${item}/tags`, async (req, reply) => {
    await service.changeTags(req.ctx, (req.params as Params).id, 'clear');
    return noContent(reply);
  });
  server.get(`${item}/tags/:tag`, async (req, reply) => {
    const { id, tag } = req.params as Params;
    if (!(await service.hasTag(req.ctx, id, tag))) throw new NeutronError(404, 'TagNotFound', `Tag ${tag} could not be found for ${service.member} ${id}.`);
    return noContent(reply);
  });
  server.put(`${item}/tags/:tag`, async (req, reply) => {
    const { id, tag } = req.params as Params;
    await service.changeTags(req.ctx, id, 'add', [tag]);
    reply.code(201);
    return reply.send();
  });
  server.delete(`${item}/tags/:tag`, async (req, reply) => {
    const { id, tag } = req.params as Params;
    await service.changeTags(req.ctx, id, 'remove', [tag]);
    return noContent(reply);
  });
}
