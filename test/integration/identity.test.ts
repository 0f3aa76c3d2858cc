// The embedded identity (Keystone v3 subset) through HTTP, on SQLite and PostgreSQL:
// discovery, token issue/validate/revoke/expiry and scopes, the admin APIs and their
// permissions, role assignments with implied roles, the catalog, and token state shared
// by several API servers on one database.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { dialects, ApiClient } from '../helpers/server.ts';
import { ADMIN_PASSWORD, issueToken, passwordAuth, projectWithUser, startIdentityTestServer, type IdentityTestServer } from '../helpers/identity.ts';
import { loadConfig } from '../../src/config/index.ts';
import { startService } from '../../src/service.ts';

const KEYSTONE_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/;

for (const dialect of dialects()) {
  describe(`identity (${dialect})`, () => {
    let t: IdentityTestServer;
    let admin: { token: string };
    const roleId = async (name: string) => (await t.keystone.get(`/v3/roles?name=${name}`, admin)).body.roles[0].id as string;

    before(async () => {
      t = await startIdentityTestServer(dialect);
      admin = { token: t.adminToken };
    });
    after(async () => t?.close());

    it('serves version discovery as Keystone does', async () => {
      const root = await t.keystone.get('/');
      assert.equal(root.status, 300);
      const v = root.body.versions.values[0];
      assert.equal(v.id, 'v3.14');
      assert.equal(v.status, 'stable');
      assert.deepEqual(v['media-types'], [{ base: 'application/json', type: 'application/vnd.openstack.identity-v3+json' }]);
      assert.equal(v.links[0].href, `${t.service.identity!.url}/v3/`);
      const v3 = await t.keystone.get('/v3');
      assert.equal(v3.status, 200);
      assert.equal(v3.body.version.id, 'v3.14');
    });

    it('issues a project-scoped token by user and project names with roles and catalog', async () => {
      const res = await t.keystone.post('/v3/auth/tokens', passwordAuth({ name: 'admin', password: ADMIN_PASSWORD, project: 'admin' }));
      assert.equal(res.status, 201);
      const token = res.headers.get('x-subject-token')!;
      assert.match(token, /^[A-Za-z0-9_-]{43,}$/);
      const body = res.body.token;
      assert.deepEqual(body.methods, ['password']);
      assert.equal(body.user.name, 'admin');
      assert.deepEqual(body.user.domain, { id: 'default', name: 'Default' });
      assert.equal(body.project.name, 'admin');
      assert.deepEqual(body.project.domain, { id: 'default', name: 'Default' });
      assert.equal(body.is_domain, false);
      assert.deepEqual(body.roles.map((r: { name: string }) => r.name).sort(), ['admin', 'member', 'reader'], 'implied roles are listed');
      assert.match(body.expires_at, KEYSTONE_TIME);
      assert.match(body.issued_at, KEYSTONE_TIME);
      const ttl = Date.parse(body.expires_at) - Date.parse(body.issued_at);
      assert.equal(ttl, t.config.auth.token_ttl_seconds * 1000);
      assert.equal(body.audit_ids.length, 1);
      const byType = Object.fromEntries(body.catalog.map((s: { type: string }) => [s.type, s]));
      const publicOf = (type: string) => byType[type].endpoints.find((e: { interface: string }) => e.interface === 'public');
      assert.equal(publicOf('network').url, t.service.url);
      assert.equal(publicOf('network').region, 'RegionOne');
      assert.equal(publicOf('identity').url, `${t.service.identity!.url}/v3`);

      // The database holds only a hash of the token.
      const rows = await t.service.app.database.db.selectFrom('identity_tokens').selectAll().execute();
      assert.ok(rows.some((r) => r.token_hash === createHash('sha256').update(token).digest('hex')));
      assert.ok(!JSON.stringify(rows).includes(token));
    });

    it('rejects wrong credentials and malformed requests with Keystone errors', async () => {
      const wrong = await t.keystone.post('/v3/auth/tokens', passwordAuth({ name: 'admin', password: 'nope', project: 'admin' }));
      assert.equal(wrong.status, 401);
      assert.deepEqual(Object.keys(wrong.body.error).sort(), ['code', 'message', 'title']);
      assert.equal(wrong.body.error.code, 401);
      assert.equal(wrong.body.error.title, 'Unauthorized');
      const unknown = await t.keystone.post('/v3/auth/tokens', passwordAuth({ name: 'ghost', password: 'x' }));
      assert.equal(unknown.status, 401);
      const noProject = await t.keystone.post('/v3/auth/tokens', passwordAuth({ name: 'admin', password: ADMIN_PASSWORD, project: 'nowhere' }));
      assert.equal(noProject.status, 401);
      const malformed = await t.keystone.post('/v3/auth/tokens', { auth: {} });
      assert.equal(malformed.status, 400);
      assert.equal(malformed.body.error.title, 'Bad Request');
      const method = await t.keystone.post('/v3/auth/tokens', { auth: { identity: { methods: ['totp'] } } });
      assert.equal(method.status, 401);
    });

    it('validates, checks and revokes tokens', async () => {
      const token = await issueToken(t.keystone, { name: 'admin', password: ADMIN_PASSWORD, project: 'admin' });
      const subject = { ...admin, headers: { 'x-subject-token': token } };
      const shown = await t.keystone.get('/v3/auth/tokens', subject);
      assert.equal(shown.status, 200);
      assert.equal(shown.headers.get('x-subject-token'), token);
      assert.equal(shown.body.token.user.name, 'admin');
      assert.ok(Array.isArray(shown.body.token.catalog));
      const noCatalog = await t.keystone.get('/v3/auth/tokens?nocatalog', subject);
      assert.equal(noCatalog.body.token.catalog, undefined);
      assert.equal((await t.keystone.call('HEAD', '/v3/auth/tokens', undefined, subject)).status, 200);
      assert.equal((await t.keystone.get('/v3/auth/tokens', { headers: { 'x-subject-token': token } })).status, 401, 'validating needs a token');
      const garbage = await t.keystone.get('/v3/auth/tokens', { ...admin, headers: { 'x-subject-token': 'garbage' } });
      assert.equal(garbage.status, 404);
      assert.equal(garbage.body.error.title, 'Not Found');

      assert.equal((await t.keystone.del('/v3/auth/tokens', subject)).status, 204);
      assert.equal((await t.keystone.get('/v3/auth/tokens', subject)).status, 404);
      assert.equal((await t.keystone.get('/v3/projects', { token })).status, 401, 'a revoked token authenticates nothing');
    });

    it('rescopes with the token method, keeping expiry and audit chain', async () => {
      const res = await t.keystone.post('/v3/auth/tokens', passwordAuth({ name: 'admin', password: ADMIN_PASSWORD }));
      assert.equal(res.status, 201);
      const unscoped = res.body.token;
      assert.equal(unscoped.project, undefined);
      assert.equal(unscoped.roles, undefined);
      assert.equal(unscoped.catalog, undefined);
      const rescoped = await t.keystone.post('/v3/auth/tokens', {
        auth: { identity: { methods: ['token'], token: { id: res.headers.get('x-subject-token') } }, scope: { project: { name: 'admin', domain: { name: 'Default' } } } },
      });
      assert.equal(rescoped.status, 201);
      assert.deepEqual(rescoped.body.token.methods, ['token', 'password']);
      assert.equal(rescoped.body.token.expires_at, unscoped.expires_at);
      assert.equal(rescoped.body.token.audit_ids[1], unscoped.audit_ids[0]);
      assert.equal(rescoped.body.token.project.name, 'admin');

      const system = await t.keystone.post('/v3/auth/tokens', { ...passwordAuth({ name: 'admin', password: ADMIN_PASSWORD }), auth: { ...passwordAuth({ name: 'admin', password: ADMIN_PASSWORD }).auth, scope: { system: { all: true } } } });
      assert.equal(system.status, 201);
      assert.deepEqual(system.body.token.system, { all: true });
      const domain = await t.keystone.post('/v3/auth/tokens', { auth: { ...passwordAuth({ name: 'admin', password: ADMIN_PASSWORD }).auth, scope: { domain: { id: 'default' } } } });
      assert.equal(domain.status, 401, 'admin holds no role on the domain');
    });

    it('expires tokens after the configured lifetime', async () => {
      t.config.auth.token_ttl_seconds = 1;
      try {
        const token = await issueToken(t.keystone, { name: 'admin', password: ADMIN_PASSWORD, project: 'admin' });
        assert.equal((await t.keystone.get('/v3/projects', { token })).status, 200);
        await new Promise((r) => setTimeout(r, 1100));
        assert.equal((await t.keystone.get('/v3/projects', { token })).status, 401);
        assert.equal((await t.network.get('/v2.0/networks', { token })).status, 401);
      } finally {
        t.config.auth.token_ttl_seconds = 3600;
      }
    });

    it('manages projects with filters, conflicts and not-found errors', async () => {
      const created = await t.keystone.post('/v3/projects', { project: { name: 'proj-crud', description: 'd', domain_id: 'default' } }, admin);
      assert.equal(created.status, 201);
      const p = created.body.project;
      assert.equal(p.domain_id, 'default');
      assert.equal(p.parent_id, 'default');
      assert.equal(p.enabled, true);
      assert.equal(p.is_domain, false);
      assert.equal(p.links.self, `${t.service.identity!.url}/v3/projects/${p.id}`);
      const dup = await t.keystone.post('/v3/projects', { project: { name: 'proj-crud' } }, admin);
      assert.equal(dup.status, 409);
      assert.equal(dup.body.error.title, 'Conflict');
      const noName = await t.keystone.post('/v3/projects', { project: {} }, admin);
      assert.equal(noName.status, 400);
      const child = await t.keystone.post('/v3/projects', { project: { name: 'proj-child', parent_id: p.id } }, admin);
      assert.equal(child.status, 201);
      assert.equal(child.body.project.parent_id, p.id);

      const byName = await t.keystone.get('/v3/projects?name=proj-crud', admin);
      assert.deepEqual(byName.body.projects.map((x: { id: string }) => x.id), [p.id]);
      const byParent = await t.keystone.get(`/v3/projects?parent_id=${p.id}`, admin);
      assert.deepEqual(byParent.body.projects.map((x: { name: string }) => x.name), ['proj-child']);
      const updated = await t.keystone.call('PATCH', `/v3/projects/${p.id}`, { project: { enabled: false, description: 'off' } }, admin);
      assert.equal(updated.status, 200);
      assert.equal(updated.body.project.enabled, false);
      const disabled = await t.keystone.get('/v3/projects?enabled=false', admin);
      assert.ok(disabled.body.projects.some((x: { id: string }) => x.id === p.id));
      assert.ok(!(await t.keystone.get('/v3/projects?enabled=true', admin)).body.projects.some((x: { id: string }) => x.id === p.id));

      assert.equal((await t.keystone.del(`/v3/projects/${p.id}`, admin)).status, 403, 'not a leaf');
      assert.equal((await t.keystone.del(`/v3/projects/${child.body.project.id}`, admin)).status, 204);
      assert.equal((await t.keystone.del(`/v3/projects/${p.id}`, admin)).status, 204);
      const gone = await t.keystone.get(`/v3/projects/${p.id}`, admin);
      assert.equal(gone.status, 404);
      assert.equal(gone.body.error.message, `Could not find project: ${p.id}.`);
    });

    it('manages users, domains and roles', async () => {
      const user = await t.keystone.post('/v3/users', { user: { name: 'crud-user', password: 'pw1', email: 'a@b.c', domain_id: 'default' } }, admin);
      assert.equal(user.status, 201);
      const u = user.body.user;
      assert.equal(u.password, undefined);
      assert.equal(u.email, 'a@b.c');
      assert.equal(u.domain_id, 'default');
      assert.equal((await t.keystone.post('/v3/users', { user: { name: 'crud-user' } }, admin)).status, 409);
      const listed = await t.keystone.get('/v3/users?name=crud-user&domain_id=default', admin);
      assert.deepEqual(listed.body.users.map((x: { id: string }) => x.id), [u.id]);
      const renamed = await t.keystone.call('PATCH', `/v3/users/${u.id}`, { user: { name: 'crud-user2' } }, admin);
      assert.equal(renamed.body.user.name, 'crud-user2');

      const domain = await t.keystone.post('/v3/domains', { domain: { name: 'Other' } }, admin);
      assert.equal(domain.status, 201);
      const found = await t.keystone.get('/v3/domains?name=Default', admin);
      assert.deepEqual(found.body.domains.map((d: { id: string }) => d.id), ['default']);
      const d = domain.body.domain.id;
      const inDomain = await t.keystone.post('/v3/users', { user: { name: 'crud-user2', domain_id: d, password: 'x' } }, admin);
      assert.equal(inDomain.status, 201, 'names are unique per domain only');
      assert.equal((await t.keystone.del(`/v3/domains/${d}`, admin)).status, 403, 'enabled domains cannot be deleted');
      await t.keystone.call('PATCH', `/v3/domains/${d}`, { domain: { enabled: false } }, admin);
      assert.equal((await t.keystone.del(`/v3/domains/${d}`, admin)).status, 204);
      assert.equal((await t.keystone.get(`/v3/users/${inDomain.body.user.id}`, admin)).status, 404, 'the domain took its users with it');

      const roles = await t.keystone.get('/v3/roles', admin);
      const names = roles.body.roles.map((r: { name: string }) => r.name);
      for (const name of ['admin', 'member', 'reader', 'service']) assert.ok(names.includes(name), `bootstrap made the ${name} role`);
      const custom = await t.keystone.post('/v3/roles', { role: { name: 'auditor' } }, admin);
      assert.equal(custom.status, 201);
      assert.equal((await t.keystone.get('/v3/roles?name=auditor', admin)).body.roles[0].id, custom.body.role.id);
      assert.equal((await t.keystone.post('/v3/roles', { role: { name: 'auditor' } }, admin)).status, 409);
      assert.equal((await t.keystone.del(`/v3/roles/${custom.body.role.id}`, admin)).status, 204);
      assert.equal((await t.keystone.del(`/v3/users/${u.id}`, admin)).status, 204);
      assert.equal((await t.keystone.del(`/v3/users/${u.id}`, admin)).status, 404);
    });

    it('lets only admins administer; users read themselves', async () => {
      const m = await projectWithUser(t, 'perm');
      const member = { token: m.token };
      const denied = await t.keystone.post('/v3/projects', { project: { name: 'x' } }, member);
      assert.equal(denied.status, 403);
      assert.equal(denied.body.error.title, 'Forbidden');
      assert.equal((await t.keystone.get('/v3/users', member)).status, 403);
      assert.equal((await t.keystone.put(`/v3/projects/${m.projectId}/users/${m.userId}/roles/${await roleId('admin')}`, undefined, member)).status, 403);
      assert.equal((await t.keystone.get(`/v3/users/${m.userId}`, member)).status, 200);
      const projects = await t.keystone.get(`/v3/users/${m.userId}/projects`, member);
      assert.deepEqual(projects.body.projects.map((p: { id: string }) => p.id), [m.projectId]);
      assert.equal((await t.keystone.get(`/v3/projects/${m.projectId}`, member)).status, 200);
      const adminUser = (await t.keystone.get('/v3/users?name=admin', admin)).body.users[0].id;
      assert.equal((await t.keystone.get(`/v3/users/${adminUser}`, member)).status, 403);
      const own = await t.keystone.get('/v3/auth/projects', member);
      assert.deepEqual(own.body.projects.map((p: { id: string }) => p.id), [m.projectId]);
      const catalog = await t.keystone.get('/v3/auth/catalog', member);
      assert.ok(catalog.body.catalog.some((s: { type: string }) => s.type === 'network'));
      assert.equal((await t.keystone.get('/v3/projects', {})).status, 401);
      assert.equal((await t.keystone.get('/v3/projects', { token: 'garbage' })).status, 401);
    });

    it('grants, checks, lists and revokes role assignments (effective includes implied roles)', async () => {
      const m = await projectWithUser(t, 'assign', 'reader');
      const member = await roleId('member');
      const reader = await roleId('reader');
      const path = `/v3/projects/${m.projectId}/users/${m.userId}/roles`;
      assert.equal((await t.keystone.call('HEAD', `${path}/${member}`, undefined, admin)).status, 404);
      assert.equal((await t.keystone.put(`${path}/${member}`, undefined, admin)).status, 204);
      assert.equal((await t.keystone.call('HEAD', `${path}/${member}`, undefined, admin)).status, 204);
      assert.equal((await t.keystone.get(`${path}/${member}`, admin)).status, 204);
      const listed = await t.keystone.get(path, admin);
      assert.deepEqual(listed.body.roles.map((r: { name: string }) => r.name), ['member', 'reader']);
      assert.equal((await t.keystone.put(`${path}/nope`, undefined, admin)).status, 404);

      const direct = await t.keystone.get(`/v3/role_assignments?user.id=${m.userId}&scope.project.id=${m.projectId}`, admin);
      assert.equal(direct.body.role_assignments.length, 2);
      const effective = await t.keystone.get(`/v3/role_assignments?user.id=${m.userId}&effective&include_names`, admin);
      const shown = effective.body.role_assignments.map((a: any) => `${a.role.name}@${a.scope.project.name}`).sort();
      assert.deepEqual(shown, ['member@assign', 'reader@assign'], 'reader is direct and implied: listed once');
      const named = effective.body.role_assignments[0];
      assert.equal(named.user.name, 'assign-user');
      assert.deepEqual(named.user.domain, { id: 'default', name: 'Default' });
      const byRole = await t.keystone.get(`/v3/role_assignments?role.id=${reader}&scope.project.id=${m.projectId}`, admin);
      assert.equal(byRole.body.role_assignments.length, 1);

      assert.equal((await t.keystone.del(`${path}/${member}`, admin)).status, 204);
      assert.equal((await t.keystone.del(`${path}/${member}`, admin)).status, 404);
      const token = await issueToken(t.keystone, { id: m.userId, password: 'assign-pw', projectId: m.projectId });
      const info = await t.keystone.get('/v3/auth/tokens', { ...admin, headers: { 'x-subject-token': token } });
      assert.deepEqual(info.body.token.roles.map((r: { name: string }) => r.name), ['reader']);
      assert.equal((await t.keystone.del(`${path}/${reader}`, admin)).status, 204);
      assert.equal((await t.keystone.get('/v3/auth/tokens', { ...admin, headers: { 'x-subject-token': token } })).status, 404, 'no role left on the project: the token is void');
    });

    it('cuts off disabled and deleted users and projects at once', async () => {
      const m = await projectWithUser(t, 'cutoff');
      const check = async () => (await t.keystone.get('/v3/auth/tokens', { ...admin, headers: { 'x-subject-token': m.token } })).status;
      assert.equal(await check(), 200);
      await t.keystone.call('PATCH', `/v3/users/${m.userId}`, { user: { enabled: false } }, admin);
      assert.equal(await check(), 404);
      assert.equal((await t.network.get('/v2.0/networks', { token: m.token })).status, 401);
      assert.equal((await t.keystone.post('/v3/auth/tokens', passwordAuth({ id: m.userId, password: 'cutoff-pw' }))).status, 401);
      await t.keystone.call('PATCH', `/v3/users/${m.userId}`, { user: { enabled: true } }, admin);
      assert.equal(await check(), 200);
      await t.keystone.call('PATCH', `/v3/projects/${m.projectId}`, { project: { enabled: false } }, admin);
      assert.equal(await check(), 404);
      assert.equal((await t.keystone.post('/v3/auth/tokens', passwordAuth({ id: m.userId, password: 'cutoff-pw', projectId: m.projectId }))).status, 401);
      await t.keystone.call('PATCH', `/v3/projects/${m.projectId}`, { project: { enabled: true } }, admin);
      assert.equal(await check(), 200);

      // A new password ends the user's sessions; the new one works.
      await t.keystone.call('PATCH', `/v3/users/${m.userId}`, { user: { password: 'new-pw' } }, admin);
      assert.equal(await check(), 404);
      const fresh = await issueToken(t.keystone, { id: m.userId, password: 'new-pw', projectId: m.projectId });
      assert.equal((await t.keystone.del(`/v3/projects/${m.projectId}`, admin)).status, 204);
      assert.equal((await t.network.get('/v2.0/networks', { token: fresh })).status, 401, 'deleting the project voids its tokens');
      const other = await projectWithUser(t, 'cutoff2');
      assert.equal((await t.keystone.del(`/v3/users/${other.userId}`, admin)).status, 204);
      assert.equal((await t.network.get('/v2.0/networks', { token: other.token })).status, 401, 'deleting the user voids its tokens');
    });

    it('shares token state between API servers on one database', async () => {
      const config = loadConfig({
        env: {},
        overrides: {
          'api.port': 0,
          'database.url': t.config.database.url,
          'auth.strategy': 'embedded',
          'auth.identity_port': 0,
          'auth.clouds_yaml': 'none',
          'auth.token_cache_seconds': 0,
          'log.level': 'warn',
        },
      });
      const second = await startService(config);
      try {
        const token = await issueToken(t.keystone, { name: 'admin', password: ADMIN_PASSWORD, project: 'admin' });
        const remote = new ApiClient(second.url, { token });
        assert.equal((await remote.get('/v2.0/networks')).status, 200, 'a token from one server works on another');
        assert.equal((await t.keystone.del('/v3/auth/tokens', { ...admin, headers: { 'x-subject-token': token } })).status, 204);
        assert.equal((await remote.get('/v2.0/networks')).status, 401, 'revocation reaches the other server');
      } finally {
        await second.close();
      }
    });
  });
}
