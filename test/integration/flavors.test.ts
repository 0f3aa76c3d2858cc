// Service flavors (`flavors`, `l3-flavors`) over HTTP on SQLite and PostgreSQL with the
// paths the CLI and SDK use (/v2.0/flavors, /v2.0/service_profiles,
// /v2.0/flavors/{id}/service_profiles), router flavor_id, and the default policy for a
// member, a reader and another project.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { dialects, startTestServer, type TestServer } from '../helpers/server.ts';

const DRIVER = 'neutron.services.l3_router.service_providers.single_node.SingleNodeDriver';

for (const dialect of dialects()) {
  describe(`flavors (${dialect})`, () => {
    let t: TestServer;
    before(async () => {
      t = await startTestServer(dialect);
    });
    after(async () => t?.close());

    it('flavors, service profiles, associations and router flavors', async () => {
      const aliases = (await t.client.get('/v2.0/extensions')).body.extensions.map((e: { alias: string }) => e.alias);
      assert.ok(aliases.includes('flavors') && aliases.includes('l3-flavors'));

      const empty = await t.admin.post('/v2.0/service_profiles', { service_profile: { description: 'nothing' } });
      assert.equal(empty.status, 400);
      assert.equal(empty.body.NeutronError.type, 'ServiceProfileEmpty');
      const unknownDriver = await t.admin.post('/v2.0/service_profiles', { service_profile: { driver: 'x.y.Z' } });
      assert.equal(unknownDriver.status, 404);
      assert.equal(unknownDriver.body.NeutronError.type, 'ServiceProfileDriverNotFound');
      const profile = (await t.admin.post('/v2.0/service_profiles', { service_profile: { driver: DRIVER, description: 'single node', metainfo: '{}' } })).body.service_profile;
      assert.equal(profile.driver, DRIVER);
      assert.equal(profile.enabled, true);

      const badType = await t.admin.post('/v2.0/flavors', { flavor: { name: 'lb', service_type: 'LOADBALANCERV2' } });
      assert.equal(badType.status, 400);
      assert.equal(badType.body.NeutronError.type, 'InvalidFlavorServiceType');
      const created = await t.admin.post('/v2.0/flavors', { flavor: { name: 'gold', description: 'fast', service_type: 'L3_ROUTER_NAT' } });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      const flavor = created.body.flavor;
      assert.deepEqual([flavor.enabled, flavor.service_profiles], [true, []]);

      const assoc = await t.admin.post(`/v2.0/flavors/${flavor.id}/service_profiles`, { service_profile: { id: profile.id } });
      assert.equal(assoc.status, 201, JSON.stringify(assoc.body));
      assert.deepEqual(assoc.body, { service_profile: { id: profile.id } });
      assert.equal((await t.admin.post(`/v2.0/flavors/${flavor.id}/service_profiles`, { service_profile: { id: profile.id } })).body.NeutronError.type, 'FlavorServiceProfileBindingExists');
      assert.deepEqual((await t.client.get(`/v2.0/flavors/${flavor.id}`)).body.flavor.service_profiles, [profile.id]);
      const profileInUse = await t.admin.del(`/v2.0/service_profiles/${profile.id}`);
      assert.equal(profileInUse.status, 409);
      assert.equal(profileInUse.body.NeutronError.type, 'ServiceProfileInUse');

      // A member creates a router with the flavor (l3-flavors).
      const router = await t.client.post('/v2.0/routers', { router: { name: 'flavored', flavor_id: flavor.id } });
      assert.equal(router.status, 201, JSON.stringify(router.body));
      assert.equal(router.body.router.flavor_id, flavor.id);
      assert.equal((await t.client.post('/v2.0/routers', { router: { flavor_id: '0b4a3e5e-4f3c-4e59-8d43-6a3c2f1d9e11' } })).body.NeutronError.type, 'FlavorNotFound');
      const inUse = await t.admin.del(`/v2.0/flavors/${flavor.id}`);
      assert.equal(inUse.status, 409);
      assert.equal(inUse.body.NeutronError.type, 'FlavorInUse');
      assert.equal((await t.admin.put(`/v2.0/flavors/${flavor.id}`, { flavor: { enabled: false } })).status, 200);
      const disabled = await t.client.post('/v2.0/routers', { router: { flavor_id: flavor.id } });
      assert.equal(disabled.status, 503);
      assert.equal(disabled.body.NeutronError.type, 'FlavorDisabled');
      assert.equal((await t.client.put(`/v2.0/routers/${router.body.router.id}`, { router: { flavor_id: null } })).status, 400, 'flavor_id is set on create only');

      assert.equal((await t.client.del(`/v2.0/routers/${router.body.router.id}`)).status, 204);
      assert.equal((await t.admin.del(`/v2.0/flavors/${flavor.id}/service_profiles/${profile.id}`)).status, 204);
      assert.equal((await t.admin.del(`/v2.0/flavors/${flavor.id}/service_profiles/${profile.id}`)).body.NeutronError.type, 'FlavorServiceProfileBindingNotFound');
      assert.equal((await t.admin.del(`/v2.0/flavors/${flavor.id}`)).status, 204);
      assert.equal((await t.admin.del(`/v2.0/service_profiles/${profile.id}`)).status, 204);
    });

    it('default policy: everyone reads flavors; only the admin writes them or sees service profiles', async () => {
      const profile = (await t.admin.post('/v2.0/service_profiles', { service_profile: { metainfo: '{"az": "x"}' } })).body.service_profile;
      const flavor = (await t.admin.post('/v2.0/flavors', { flavor: { name: 'silver', service_type: 'L3_ROUTER_NAT' } })).body.flavor;
      for (const c of [t.client, t.client.as({ roles: 'reader' }), t.client.as({ project: 'project-b', roles: 'member,reader' })]) {
        assert.deepEqual((await c.get('/v2.0/flavors')).body.flavors.map((f: { id: string }) => f.id), [flavor.id]);
        assert.equal((await c.get(`/v2.0/flavors/${flavor.id}`)).status, 200);
        assert.equal((await c.post('/v2.0/flavors', { flavor: { service_type: 'L3_ROUTER_NAT' } })).status, 403);
        assert.equal((await c.put(`/v2.0/flavors/${flavor.id}`, { flavor: { name: 'x' } })).status, 403);
        assert.equal((await c.del(`/v2.0/flavors/${flavor.id}`)).status, 403);
        assert.equal((await c.post(`/v2.0/flavors/${flavor.id}/service_profiles`, { service_profile: { id: profile.id } })).status, 403);
        assert.deepEqual((await c.get('/v2.0/service_profiles')).body.service_profiles, []);
        assert.equal((await c.get(`/v2.0/service_profiles/${profile.id}`)).status, 404);
        assert.equal((await c.post('/v2.0/service_profiles', { service_profile: { metainfo: 'x' } })).status, 403);
      }
      assert.equal((await t.admin.del(`/v2.0/flavors/${flavor.id}`)).status, 204);
      assert.equal((await t.admin.del(`/v2.0/service_profiles/${profile.id}`)).status, 204);
    });
  });
}
