// Role assignments: grant/check/revoke a user's role on a project or domain, list a
// user's roles there, and /v3/role_assignments with Keystone's filters (user.id,
// scope.project.id, scope.domain.id, scope.system, role.id), include_names and effective
// (implied roles expanded).
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Assignment, TargetType } from '../directory.ts';
import { TABLES, type Row } from '../store.ts';
import { KeystoneError } from '../errors.ts';
import type { RouteContext } from './route-context.ts';

type Params = { target: string; user: string; role?: string };

export function registerAssignmentRoutes(server: FastifyInstance, { identity, render, guard }: RouteContext): void {
  const { directory } = identity;
  const noContent = (reply: FastifyReply) => {
    reply.code(204);
    return reply.send();
  };

  for (const targetType of ['project', 'domain'] as TargetType[]) {
    const base = `/v3/${targetType}s/:target/users/:user/roles`;
    const assignment = (req: FastifyRequest): Assignment => {
      const p = req.params as Params;
      return { target_type: targetType, target_id: p.target, user_id: p.user, role_id: p.role! };
    };

    server.put(`${base}/:role`, async (req, reply) => {
      guard.admin(req, `create_grant`);
      await identity.write((trx) => directory.grant(trx, assignment(req)));
      return noContent(reply);
    });
    server.delete(`${base}/:role`, async (req, reply) => {
      guard.admin(req, `revoke_grant`);
      await identity.write((trx) => directory.revoke(trx, assignment(req)));
      return noContent(reply);
    });
    // HEAD and GET check one grant: 204 when it exists, 404 otherwise.
    const check = async (req: FastifyRequest, reply: FastifyReply) => {
      guard.admin(req, `check_grant`);
      const a = assignment(req);
      if (!(await directory.hasAssignment(identity.db, a))) {
        throw new KeystoneError(404, `Could not find role assignment with role: ${a.role_id}, user or group: ${a.user_id}, project, domain, or system: ${a.target_id}.`);
      }
      return noContent(reply);
    };
    server.get(`${base}/:role`, { exposeHeadRoute: false }, check);
    server.head(`${base}/:role`, check);
    server.get(base, async (req) => {
      guard.admin(req, `list_grants`);
      const p = req.params as Params;
      await directory.get(identity.db, 'user', p.user);
      await directory.get(identity.db, targetType, p.target);
      const rows = await directory.assignments(identity.db, { target_type: targetType, target_id: p.target, user_id: p.user });
      const roles = await identity.store.list(identity.db, TABLES.role, { id: rows.map((r) => r.role_id) }, 'name');
      return render.collection('roles', roles.map((r) => render.role(r)), `${targetType}s/${p.target}/users/${p.user}/roles`);
    });
  }

  server.get('/v3/role_assignments', async (req) => {
    const query = req.query as Record<string, string>;
    // Users may list their own assignments (the CLI does for `role assignment list --user self`).
    guard.admin(req, 'list_role_assignments', (t) => query['user.id'] === t.user.id);
    const filters: Partial<Assignment> = {};
    if (query['user.id']) filters.user_id = query['user.id'];
    if (query['role.id']) filters.role_id = query['role.id'];
    if (query['scope.project.id']) Object.assign(filters, { target_type: 'project', target_id: query['scope.project.id'] });
    else if (query['scope.domain.id']) Object.assign(filters, { target_type: 'domain', target_id: query['scope.domain.id'] });
    else if (query['scope.system'] !== undefined) Object.assign(filters, { target_type: 'system', target_id: 'all' });
    const effective = 'effective' in query;
    const assignments = await directory.assignments(identity.db, filters, effective);
    let names: Parameters<typeof render.assignment>[1];
    if ('include_names' in query && !/^(0|false)$/i.test(query.include_names)) {
      const byId = async (table: (typeof TABLES)[keyof typeof TABLES], ids: string[]) =>
        new Map((await identity.store.list(identity.db, table, { id: [...new Set(ids)] })).map((r: Row) => [r.id, r]));
      const projects = await byId(TABLES.project, assignments.filter((a) => a.target_type === 'project').map((a) => a.target_id));
      const users = await byId(TABLES.user, assignments.map((a) => a.user_id));
      const domainIds = [
        ...assignments.filter((a) => a.target_type === 'domain').map((a) => a.target_id),
        ...[...projects.values()].map((p) => p.domain_id),
        ...[...users.values()].map((u) => u.domain_id),
      ];
      names = { users, projects, roles: await byId(TABLES.role, assignments.map((a) => a.role_id)), domains: await byId(TABLES.domain, domainIds) };
    }
    return render.collection('role_assignments', assignments.map((a) => render.assignment(a, names)), 'role_assignments');
  });
}
