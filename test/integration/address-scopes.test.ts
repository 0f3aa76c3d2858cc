// Address scopes through HTTP on SQLite and PostgreSQL: CRUD, visibility of shared scopes,
// policy, and the rules subnet pools and networks follow (when subnet pools are served).
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { dialects, startTestServer, type TestServer } from '../helpers/server.ts';

for (const dialect of dialects()) {
  describe(`address scopes (${dialect})`, () => {
    let t: TestServer;
    before(async () => {
      t = await startTestServer(dialect);
    });
    after(async () => t?.close());

    it('creates, shows, lists, updates and deletes a scope', async () => {
      const created = await t.client.post('/v2.0/address-scopes', { address_scope: { name: 'scope4', ip_version: 4 } });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      const scope = created.body.address_scope;
      assert.equal(scope.name, 'scope4');
      assert.equal(scope.ip_version, 4);
      assert.equal(scope.shared, false);
      assert.equal(scope.project_id, 'project-a');
      assert.equal(scope.tenant_id, 'project-a');
      assert.deepEqual(Object.keys(scope).sort(), ['id', 'ip_version', 'name', 'project_id', 'shared', 'tenant_id']);

      assert.equal((await t.client.get(`/v2.0/address-scopes/${scope.id}`)).body.address_scope.id, scope.id);
      const listed = await t.client.get('/v2.0/address-scopes?ip_version=4');
      assert.deepEqual(listed.body.address_scopes.map((s: { id: string }) => s.id), [scope.id]);
      const renamed = await t.client.put(`/v2.0/address-scopes/${scope.id}`, { address_scope: { name: 'renamed' } });
      assert.equal(renamed.status, 200);
      assert.equal(renamed.body.address_scope.name, 'renamed');
      const ipChange = await t.client.put(`/v2.0/address-scopes/${scope.id}`, { address_scope: { ip_version: 6 } });
      assert.equal(ipChange.status, 400);
      assert.equal((await t.client.del(`/v2.0/address-scopes/${scope.id}`)).status, 204);
      const gone = await t.client.get(`/v2.0/address-scopes/${scope.id}`);
      assert.equal(gone.status, 404);
      assert.equal(gone.body.NeutronError.type, 'AddressScopeNotFound');
    });

    it('validates input and policy, leaving nothing behind', async () => {
      const noVersion = await t.client.post('/v2.0/address-scopes', { address_scope: { name: 'x' } });
      assert.equal(noVersion.status, 400);
      const badVersion = await t.client.post('/v2.0/address-scopes', { address_scope: { name: 'x', ip_version: 5 } });
      assert.equal(badVersion.status, 400);
      assert.match(badVersion.body.NeutronError.message, /ip_version/);
      const sharedByMember = await t.client.post('/v2.0/address-scopes', { address_scope: { name: 'x', ip_version: 4, shared: true } });
      assert.equal(sharedByMember.status, 403);
      assert.equal(sharedByMember.body.NeutronError.type, 'PolicyNotAuthorized');
      const bulk = await t.client.post('/v2.0/address-scopes', { address_scopes: [{ name: 'ok', ip_version: 4 }, { name: 'bad', ip_version: 7 }] });
      assert.equal(bulk.status, 400);
      assert.equal((await t.client.get('/v2.0/address-scopes')).body.address_scopes.length, 0);
    });

    it('shows shared scopes to every project and never unshares them', async () => {
      const shared = (await t.admin.post('/v2.0/address-scopes', { address_scope: { name: 'public', ip_version: 6, shared: true } })).body.address_scope;
      const private_ = (await t.admin.post('/v2.0/address-scopes', { address_scope: { name: 'private', ip_version: 6 } })).body.address_scope;
      const other = t.client.as({ project: 'project-b' });
      const seen = (await other.get('/v2.0/address-scopes')).body.address_scopes.map((s: { id: string }) => s.id);
      assert.deepEqual(seen, [shared.id]);
      assert.equal((await other.get(`/v2.0/address-scopes/${private_.id}`)).status, 404);
      assert.equal((await other.put(`/v2.0/address-scopes/${shared.id}`, { address_scope: { name: 'mine' } })).status, 403);
      const unshare = await t.admin.put(`/v2.0/address-scopes/${shared.id}`, { address_scope: { shared: false } });
      assert.equal(unshare.status, 400);
      assert.equal(unshare.body.NeutronError.type, 'AddressScopeUpdateError');
      await t.admin.del(`/v2.0/address-scopes/${shared.id}`);
      await t.admin.del(`/v2.0/address-scopes/${private_.id}`);
    });

    it('is listed as an extension and networks show their scopes', async () => {
      const ext = await t.client.get('/v2.0/extensions/address-scope');
      assert.equal(ext.status, 200);
      const net = (await t.client.post('/v2.0/networks', { network: { name: 'scoped' } })).body.network;
      assert.equal(net.ipv4_address_scope, null);
      assert.equal(net.ipv6_address_scope, null);
      await t.client.del(`/v2.0/networks/${net.id}`);
    });

    it('admits subnet pools by owner, IP version and unique prefixes, and holds the scope while used', async () => {
      const scope = (await t.client.post('/v2.0/address-scopes', { address_scope: { name: 's4', ip_version: 4 } })).body.address_scope;
      const pool = (body: Record<string, unknown>) => t.client.post('/v2.0/subnetpools', { subnetpool: { default_prefixlen: 26, ...body } });
      const v6 = await pool({ name: 'p6', prefixes: ['2001:db8::/48'], default_prefixlen: 64, address_scope_id: scope.id });
      assert.equal(v6.status, 400);
      assert.equal(v6.body.NeutronError.type, 'IllegalSubnetPoolIpVersionAssociationToAddressScope');
      const first = await pool({ name: 'p1', prefixes: ['10.10.0.0/16'], address_scope_id: scope.id });
      assert.equal(first.status, 201, JSON.stringify(first.body));
      assert.equal(first.body.subnetpool.address_scope_id, scope.id);
      const overlapping = await pool({ name: 'p2', prefixes: ['10.10.128.0/17'], address_scope_id: scope.id });
      assert.equal(overlapping.status, 409);
      assert.equal(overlapping.body.NeutronError.type, 'AddressScopePrefixConflict');
      const elsewhere = await pool({ name: 'p3', prefixes: ['10.10.128.0/17'] });
      assert.equal(elsewhere.status, 201);
      const joining = await t.client.put(`/v2.0/subnetpools/${elsewhere.body.subnetpool.id}`, { subnetpool: { address_scope_id: scope.id } });
      assert.equal(joining.status, 409, 'an update that would overlap is refused too');
      const missing = await pool({ name: 'p4', prefixes: ['10.11.0.0/16'], address_scope_id: '0b4a3e5e-4f3c-4e59-8d43-6a3c2f1d9e11' });
      assert.equal(missing.status, 404);
      assert.equal(missing.body.NeutronError.type, 'AddressScopeNotFound');
      const foreign = await t.client.as({ project: 'project-b' }).post('/v2.0/subnetpools', { subnetpool: { name: 'p5', prefixes: ['10.12.0.0/16'], address_scope_id: scope.id } });
      assert.equal(foreign.status, 404, "another project's private scope is invisible");

      const inUse = await t.client.del(`/v2.0/address-scopes/${scope.id}`);
      assert.equal(inUse.status, 409);
      assert.equal(inUse.body.NeutronError.type, 'AddressScopeInUse');

      const net = (await t.client.post('/v2.0/networks', { network: { name: 'scoped' } })).body.network;
      const subnet = await t.client.post('/v2.0/subnets', { subnet: { network_id: net.id, ip_version: 4, subnetpool_id: first.body.subnetpool.id } });
      assert.equal(subnet.status, 201, JSON.stringify(subnet.body));
      const shown = (await t.client.get(`/v2.0/networks/${net.id}`)).body.network;
      assert.equal(shown.ipv4_address_scope, scope.id);
      assert.equal(shown.ipv6_address_scope, null);
      await t.client.del(`/v2.0/networks/${net.id}`);

      const leave = await t.client.put(`/v2.0/subnetpools/${first.body.subnetpool.id}`, { subnetpool: { address_scope_id: null } });
      assert.equal(leave.status, 200);
      assert.equal((await t.client.del(`/v2.0/address-scopes/${scope.id}`)).status, 204);
      await t.client.del(`/v2.0/subnetpools/${first.body.subnetpool.id}`);
      await t.client.del(`/v2.0/subnetpools/${elsewhere.body.subnetpool.id}`);
    });

    it('shares a scope with one project through an RBAC policy that its pools then hold', async () => {
      const scope = (await t.client.post('/v2.0/address-scopes', { address_scope: { name: 'rbac', ip_version: 4 } })).body.address_scope;
      const other = t.client.as({ project: 'project-b' });
      assert.equal((await other.get(`/v2.0/address-scopes/${scope.id}`)).status, 404);
      const grant = await t.client.post('/v2.0/rbac-policies', { rbac_policy: { object_type: 'address_scope', object_id: scope.id, action: 'access_as_shared', target_tenant: 'project-b' } });
      assert.equal(grant.status, 201, JSON.stringify(grant.body));
      const seen = await other.get(`/v2.0/address-scopes/${scope.id}`);
      assert.equal(seen.status, 200);
      assert.equal(seen.body.address_scope.shared, true, 'shared as project-b sees it');
      assert.equal((await t.client.get(`/v2.0/address-scopes/${scope.id}`)).body.address_scope.shared, false, 'not shared with everyone');
      const pool = await other.post('/v2.0/subnetpools', { subnetpool: { name: 'b-pool', prefixes: ['10.50.0.0/16'], default_prefixlen: 24, address_scope_id: scope.id } });
      assert.equal(pool.status, 201, JSON.stringify(pool.body));
      const revoke = await t.client.del(`/v2.0/rbac-policies/${grant.body.rbac_policy.id}`);
      assert.equal(revoke.status, 409);
      assert.equal(revoke.body.NeutronError.type, 'RbacPolicyInUse');
      assert.equal((await other.del(`/v2.0/subnetpools/${pool.body.subnetpool.id}`)).status, 204);
      assert.equal((await t.client.del(`/v2.0/rbac-policies/${grant.body.rbac_policy.id}`)).status, 204);
      assert.equal((await other.get(`/v2.0/address-scopes/${scope.id}`)).status, 404);
      assert.equal((await t.client.del(`/v2.0/address-scopes/${scope.id}`)).status, 204);
    });
  });
}
