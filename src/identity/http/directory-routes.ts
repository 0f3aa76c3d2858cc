// /v3/domains, /v3/projects, /v3/users, /v3/roles and the catalog lists: Keystone's CRUD
// with its list filters. Changes need the admin role; users may read themselves, their
// projects and the project or domain their token is scoped to.
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { Transaction } from 'kysely';
import { TABLES, type Row } from '../store.ts';
import { verifyPassword } from '../passwords.ts';
import { unauthorized } from '../errors.ts';
import type { ValidToken } from '../tokens.ts';
import { DEFAULT_DOMAIN } from '../bootstrap.ts';
import { member, type RouteContext } from './route-context.ts';

type Kind = 'domain' | 'project' | 'user' | 'role';

interface EntitySpec {
  kind: Kind;
  collection: string;
  /** Query parameters that filter the list (exact match; `enabled` as a boolean). */
  filters: string[];
  render(row: Row): unknown;
  create(trx: Transaction<any>, body: Row, caller: ValidToken): Promise<Row>;
  update(trx: Transaction<any>, id: string, body: Row): Promise<Row>;
  remove(trx: Transaction<any>, id: string): Promise<void>;
  /** Non-admin callers that may read this entity. */
  mayRead?(caller: ValidToken, id: string): boolean;
}

/** The domain new projects and users go to when the request names none: the caller's. */
const callerDomain = (t: ValidToken) => t.project?.domain_id ?? t.domain?.id ?? DEFAULT_DOMAIN.id;

const noContent = (reply: FastifyReply, status = 204) => {
  reply.code(status);
  return reply.send();
};

export function registerDirectoryRoutes(server: FastifyInstance, ctx: RouteContext): void {
  const { identity, render, guard } = ctx;
  const { directory } = identity;
  const ref = (r: Row) => ({ id: r.id, name: r.name, links: { self: render.url(`roles/${r.id}`) } });

  const entity = (spec: EntitySpec) => {
    const base = `/v3/${spec.collection}`;
    server.get(base, async (req) => {
      guard.admin(req, `list_${spec.collection}`);
      const query = req.query as Record<string, string>;
      const filters: Row = {};
      for (const f of spec.filters) {
        if (query[f] === undefined) continue;
        filters[f] = f === 'enabled' ? !/^(0|false|no|off)$/i.test(query[f]) : query[f];
      }
      // Projects acting as domains are not kept: none match is_domain=true.
      if (spec.kind === 'project' && /^true$/i.test(query.is_domain ?? '')) return render.collection(spec.collection, [], spec.collection);
      const rows = await directory.list(identity.db, spec.kind, filters);
      return render.collection(spec.collection, rows.map((r) => spec.render(r)), spec.collection);
    });
    server.post(base, async (req, reply) => {
      const caller = guard.admin(req, `create_${spec.kind}`);
      const body = member(req, spec.kind);
      const row = await identity.write((trx) => spec.create(trx, body, caller));
      reply.code(201);
      return { [spec.kind]: spec.render(row) };
    });
    server.get(`${base}/:id`, async (req) => {
      const { id } = req.params as { id: string };
      guard.admin(req, `get_${spec.kind}`, (t) => !!spec.mayRead?.(t, id));
      return { [spec.kind]: spec.render(await directory.get(identity.db, spec.kind, id)) };
    });
    server.patch(`${base}/:id`, async (req) => {
      const { id } = req.params as { id: string };
      guard.admin(req, `update_${spec.kind}`);
      const row = await identity.write((trx) => spec.update(trx, id, member(req, spec.kind)));
      return { [spec.kind]: spec.render(row) };
    });
    server.delete(`${base}/:id`, async (req, reply) => {
      const { id } = req.params as { id: string };
      guard.admin(req, `delete_${spec.kind}`);
      await identity.write((trx) => spec.remove(trx, id));
      return noContent(reply);
    });
  };

  entity({
    kind: 'domain',
    collection: 'domains',
    filters: ['name', 'enabled'],
    render: (r) => render.domain(r),
    create: (trx, body) => directory.createDomain(trx, body),
    update: (trx, id, body) => directory.updateDomain(trx, id, body),
    remove: (trx, id) => directory.deleteDomain(trx, id),
    mayRead: (t, id) => t.domain?.id === id || t.project?.domain_id === id || t.user.domain_id === id,
  });
  entity({
    kind: 'project',
    collection: 'projects',
    filters: ['name', 'domain_id', 'enabled', 'parent_id'],
    render: (r) => render.project(r),
    create: (trx, body, caller) => directory.createProject(trx, body, callerDomain(caller)),
    update: (trx, id, body) => directory.updateProject(trx, id, body),
    remove: (trx, id) => directory.deleteProject(trx, id),
    mayRead: (t, id) => t.project?.id === id,
  });
  entity({
    kind: 'user',
    collection: 'users',
    filters: ['name', 'domain_id', 'enabled'],
    render: (r) => render.user(r),
    create: (trx, body, caller) => directory.createUser(trx, body, callerDomain(caller)),
    update: async (trx, id, body) => {
      const { user, passwordChanged } = await directory.updateUser(trx, id, body);
      // A new password ends every session of the user, as in Keystone.
      if (passwordChanged) await identity.tokens.revokeUser(trx, id);
      return user;
    },
    remove: (trx, id) => directory.deleteUser(trx, id),
    mayRead: (t, id) => t.user.id === id,
  });
  entity({
    kind: 'role',
    collection: 'roles',
    filters: ['name'],
    render: (r) => render.role(r),
    create: (trx, body) => directory.createRole(trx, body),
    update: (trx, id, body) => directory.updateRole(trx, id, body),
    remove: (trx, id) => directory.deleteRole(trx, id),
  });

  server.get('/v3/users/:id/projects', async (req) => {
    const { id } = req.params as { id: string };
    guard.admin(req, 'list_user_projects', (t) => t.user.id === id);
    await directory.get(identity.db, 'user', id);
    const projects = await directory.userProjects(identity.db, id);
    return render.collection('projects', projects.map((p) => render.project(p)), `users/${id}/projects`);
  });

  // Users change their own password with the original one; their tokens end with it.
  server.post('/v3/users/:id/password', async (req, reply) => {
    const { id } = req.params as { id: string };
    const caller = guard.token(req);
    const body = member(req, 'user');
    await identity.write(async (trx) => {
      const user = await directory.get(trx, 'user', id);
      if (caller.user.id !== id || typeof body.original_password !== 'string' || !(await verifyPassword(body.original_password, user.password_hash))) {
        throw unauthorized();
      }
      await directory.updateUser(trx, id, { password: body.password });
      await identity.tokens.revokeUser(trx, id);
    });
    return noContent(reply);
  });

  server.get('/v3/roles/:id/implies', async (req) => {
    guard.admin(req, 'list_implied_roles');
    const { id } = req.params as { id: string };
    const prior = await directory.get(identity.db, 'role', id);
    const implied = await identity.store.list(identity.db, TABLES.impliedRole, { prior_role_id: id });
    const roles = await identity.store.list(identity.db, TABLES.role, { id: implied.map((r) => r.implied_role_id) });
    return { role_inference: { prior_role: ref(prior), implies: roles.map(ref) }, links: { self: render.url(`roles/${id}/implies`) } };
  });

  server.put('/v3/roles/:prior/implies/:implied', async (req, reply) => {
    guard.admin(req, 'create_implied_role');
    const { prior, implied } = req.params as { prior: string; implied: string };
    await identity.write((trx) => directory.addImpliedRole(trx, prior, implied));
    const [p, i] = await Promise.all([directory.get(identity.db, 'role', prior), directory.get(identity.db, 'role', implied)]);
    reply.code(201);
    return { role_inference: { prior_role: ref(p), implies: ref(i) }, links: { self: render.url(`roles/${prior}/implies/${implied}`) } };
  });

  server.get('/v3/services', async (req) => {
    guard.admin(req, 'list_services');
    const type = (req.query as Row).type;
    const rows = await identity.store.list(identity.db, TABLES.service, type === undefined ? {} : { type });
    return render.collection('services', rows.map((s) => ({ ...s, links: { self: render.url(`services/${s.id}`) } })), 'services');
  });

  server.get('/v3/endpoints', async (req) => {
    guard.admin(req, 'list_endpoints');
    const rows = await identity.store.list(identity.db, TABLES.endpoint, {});
    return render.collection('endpoints', rows.map((e) => ({ ...e, region: e.region_id, links: { self: render.url(`endpoints/${e.id}`) } })), 'endpoints');
  });
}
