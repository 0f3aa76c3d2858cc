// The Networking API behind the embedded identity: X-Auth-Token in, RequestContext out.
// 401 for missing, garbage, expired and revoked tokens; the token's project owns what it
// creates; one project cannot see another's private network.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { dialects } from '../helpers/server.ts';
import { ADMIN_PASSWORD, issueToken, projectWithUser, startIdentityTestServer, type IdentityTestServer } from '../helpers/identity.ts';

for (const dialect of dialects()) {
  describe(`Networking API authentication (${dialect})`, () => {
    let t: IdentityTestServer;
    before(async () => {
      t = await startIdentityTestServer(dialect);
    });
    after(async () => t?.close());

    const assertUnauthorized = (res: { status: number; body: any; headers: Headers }) => {
      assert.equal(res.status, 401);
      assert.match(res.headers.get('www-authenticate') ?? '', /^Keystone uri="http:\/\/127\.0\.0\.1:\d+"$/);
      assert.equal(res.body.NeutronError.type, 'HTTPUnauthorized');
      assert.equal(res.body.NeutronError.message, 'Authentication required');
    };

    it('rejects requests without a valid token with 401, and serves version discovery without one', async () => {
      assertUnauthorized(await t.network.get('/v2.0/networks'));
      assertUnauthorized(await t.network.get('/v2.0/networks', { token: 'garbage' }));
      assertUnauthorized(await t.network.post('/v2.0/networks', { network: { name: 'x' } }, { token: 'garbage' }));
      assertUnauthorized(await t.network.get('/v2.0/networks', { project: 'p', roles: 'admin' }), );
      assert.equal((await t.network.get('/')).status, 200);
      const before = await t.network.get('/v2.0/networks', { token: t.adminToken });
      assert.equal(before.body.networks.length, 0, 'the failed create changed nothing');
    });

    it('makes the token project the owner of what it creates', async () => {
      const a = await projectWithUser(t, 'owner-a');
      const created = await t.network.post('/v2.0/networks', { network: { name: 'a-net' } }, { token: a.token });
      assert.equal(created.status, 201);
      assert.equal(created.body.network.project_id, a.projectId);
      assert.equal(created.body.network.tenant_id, a.projectId);
      const other = await t.network.post('/v2.0/networks', { network: { name: 'x', project_id: 'someone-else' } }, { token: a.token });
      assert.equal(other.status, 400, 'members cannot create for another project (Neutron answers 400)');
      assert.match(other.body.NeutronError.message, /other than the authenticated project/);
    });

    it('isolates projects: a member of B cannot see A’s network; admin sees all', async () => {
      const a = await projectWithUser(t, 'iso-a');
      const b = await projectWithUser(t, 'iso-b');
      const net = (await t.network.post('/v2.0/networks', { network: { name: 'a-private' } }, { token: a.token })).body.network;
      const seen = await t.network.get(`/v2.0/networks/${net.id}`, { token: b.token });
      assert.equal(seen.status, 404);
      assert.equal(seen.body.NeutronError.type, 'NetworkNotFound');
      const listB = await t.network.get('/v2.0/networks', { token: b.token });
      assert.ok(!listB.body.networks.some((n: { id: string }) => n.id === net.id));
      assert.equal((await t.network.del(`/v2.0/networks/${net.id}`, { token: b.token })).status, 404);
      const asAdmin = await t.network.get(`/v2.0/networks/${net.id}`, { token: t.adminToken });
      assert.equal(asAdmin.status, 200);
      assert.equal(asAdmin.body.network['provider:network_type'], 'vxlan', 'the admin role makes an admin context');
      assert.equal((await t.network.get(`/v2.0/networks/${net.id}`, { token: a.token })).body.network['provider:network_type'], undefined);
    });

    it('rejects revoked and expired tokens', async () => {
      const token = await issueToken(t.keystone, { name: 'admin', password: ADMIN_PASSWORD, project: 'admin' });
      assert.equal((await t.network.get('/v2.0/networks', { token })).status, 200);
      assert.equal((await t.keystone.del('/v3/auth/tokens', { token: t.adminToken, headers: { 'x-subject-token': token } })).status, 204);
      assertUnauthorized(await t.network.get('/v2.0/networks', { token }));

      t.config.auth.token_ttl_seconds = 1;
      try {
        const short = await issueToken(t.keystone, { name: 'admin', password: ADMIN_PASSWORD, project: 'admin' });
        assert.equal((await t.network.get('/v2.0/networks', { token: short })).status, 200);
        await new Promise((r) => setTimeout(r, 1100));
        assertUnauthorized(await t.network.get('/v2.0/networks', { token: short }));
      } finally {
        t.config.auth.token_ttl_seconds = 3600;
      }
    });
  });
}
