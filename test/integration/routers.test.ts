// Routers through HTTP on SQLite and PostgreSQL: CRUD with Neutron defaults, admin-only
// flags, availability zones, quota, extra routes; gateways and interfaces when subnets
// and ports are served.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { dialects, startTestServer, type TestServer } from '../helpers/server.ts';

for (const dialect of dialects()) {
  describe(`routers (${dialect})`, () => {
    let t: TestServer;
    before(async () => {
      t = await startTestServer(dialect);
    });
    after(async () => t?.close());

    it('creates, shows, updates and deletes a router with Neutron defaults', async () => {
      const created = await t.client.post('/v2.0/routers', { router: { name: 'r1' } });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      const router = created.body.router;
      assert.equal(router.name, 'r1');
      assert.equal(router.status, 'ACTIVE');
      assert.equal(router.admin_state_up, true);
      assert.equal(router.external_gateway_info, null);
      assert.deepEqual(router.routes, []);
      assert.equal(router.project_id, 'project-a');
      assert.equal(router.revision_number, 0);
      assert.deepEqual(router.availability_zone_hints, []);
      assert.deepEqual(router.tags, []);
      for (const hidden of ['gw_port_id', 'gw_network_id', 'enable_snat']) assert.ok(!(hidden in router), `${hidden} is internal`);

      const asAdmin = (await t.admin.get(`/v2.0/routers/${router.id}`)).body.router;
      assert.equal(asAdmin.ha, false);
      assert.equal(asAdmin.distributed, false);

      const updated = await t.client.put(`/v2.0/routers/${router.id}`, { router: { name: 'r2', admin_state_up: false } });
      assert.equal(updated.status, 200);
      assert.equal(updated.body.router.name, 'r2');
      assert.equal(updated.body.router.admin_state_up, false);
      assert.equal(updated.body.router.revision_number, 1);

      const byName = await t.client.get('/v2.0/routers?name=r2');
      assert.deepEqual(byName.body.routers.map((r: { id: string }) => r.id), [router.id]);

      assert.equal((await t.client.del(`/v2.0/routers/${router.id}`)).status, 204);
      const gone = await t.client.get(`/v2.0/routers/${router.id}`);
      assert.equal(gone.status, 404);
      assert.equal(gone.body.NeutronError.type, 'RouterNotFound');
      assert.equal((await t.client.del(`/v2.0/routers/${router.id}`)).status, 404);
    });

    it('keeps ha and distributed admin-only and validates input', async () => {
      const ha = await t.client.post('/v2.0/routers', { router: { name: 'x', ha: true } });
      assert.equal(ha.status, 403);
      assert.equal(ha.body.NeutronError.type, 'PolicyNotAuthorized');
      const dvr = await t.admin.post('/v2.0/routers', { router: { name: 'dvr', distributed: true, ha: true } });
      assert.equal(dvr.status, 201);
      assert.equal(dvr.body.router.distributed, true);
      assert.equal(dvr.body.router.ha, true);
      await t.admin.del(`/v2.0/routers/${dvr.body.router.id}`);

      const status = await t.client.post('/v2.0/routers', { router: { status: 'DOWN' } });
      assert.equal(status.status, 400);
      const routesOnCreate = await t.client.post('/v2.0/routers', { router: { routes: [] } });
      assert.equal(routesOnCreate.status, 400, 'routes are set by update only');
      const badGateway = await t.client.post('/v2.0/routers', { router: { external_gateway_info: { network_id: 'nope' } } });
      assert.equal(badGateway.status, 400);
      const unknownGatewayKey = await t.client.post('/v2.0/routers', { router: { external_gateway_info: { network_id: '0b4a3e5e-4f3c-4e59-8d43-6a3c2f1d9e11', color: 'red' } } });
      assert.equal(unknownGatewayKey.status, 400);
      const missingNetwork = await t.client.post('/v2.0/routers', { router: { external_gateway_info: { network_id: '0b4a3e5e-4f3c-4e59-8d43-6a3c2f1d9e11' } } });
      assert.equal(missingNetwork.status, 404);
      assert.equal(missingNetwork.body.NeutronError.type, 'NetworkNotFound');
      const snat = await t.client.post('/v2.0/routers', { router: { external_gateway_info: { network_id: '0b4a3e5e-4f3c-4e59-8d43-6a3c2f1d9e11', enable_snat: false } } });
      assert.equal(snat.status, 403, 'enable_snat is admin only');
      const internal = (await t.client.post('/v2.0/networks', { network: { name: 'internal' } })).body.network;
      const notExternal = await t.client.post('/v2.0/routers', { router: { name: 'gw', external_gateway_info: { network_id: internal.id } } });
      assert.equal(notExternal.status, 400);
      assert.equal(notExternal.body.NeutronError.type, 'BadRequest');
      assert.equal(notExternal.body.NeutronError.message, `Bad router request: Network ${internal.id} is not an external network.`);
      const unknownZone = await t.client.post('/v2.0/routers', { router: { availability_zone_hints: ['mars'] } });
      assert.equal(unknownZone.status, 404);
      assert.equal(unknownZone.body.NeutronError.type, 'AvailabilityZoneNotFound');
      assert.equal((await t.client.get('/v2.0/routers')).body.routers.length, 0, 'failed creates left no router');
      await t.client.del(`/v2.0/networks/${internal.id}`);
    });

    it('accepts availability zone hints and lists availability zones', async () => {
      const r = await t.client.post('/v2.0/routers', { router: { availability_zone_hints: ['nova'] } });
      assert.equal(r.status, 201);
      assert.deepEqual(r.body.router.availability_zone_hints, ['nova']);
      assert.deepEqual(r.body.router.availability_zones, []);
      await t.client.del(`/v2.0/routers/${r.body.router.id}`);
      const zones = await t.client.get('/v2.0/availability_zones');
      assert.equal(zones.status, 200);
      assert.deepEqual(
        zones.body.availability_zones.map((z: Record<string, string>) => `${z.name}/${z.resource}/${z.state}`).sort(),
        ['nova/network/available', 'nova/router/available'],
      );
      const routersOnly = await t.client.get('/v2.0/availability_zones?resource=router&fields=name');
      assert.deepEqual(routersOnly.body.availability_zones, [{ name: 'nova' }]);
      assert.equal((await t.client.get('/v2.0/availability_zones?colour=red')).status, 400);
    });

    it('rejects extra routes whose nexthop the router is not connected to', async () => {
      const r = (await t.client.post('/v2.0/routers', { router: { name: 'routes' } })).body.router;
      const bad = await t.client.put(`/v2.0/routers/${r.id}`, { router: { routes: [{ destination: '10.9.0.0/24', nexthop: '10.0.0.5' }] } });
      assert.equal(bad.status, 400);
      assert.equal(bad.body.NeutronError.type, 'InvalidRoutes');
      const malformed = await t.client.put(`/v2.0/routers/${r.id}`, { router: { routes: [{ destination: 'nowhere', nexthop: '10.0.0.5' }] } });
      assert.equal(malformed.status, 400);
      const dup = await t.client.put(`/v2.0/routers/${r.id}`, { router: { routes: [{ destination: '10.9.0.0/24', nexthop: '10.0.0.5' }, { destination: '10.9.0.0/24', nexthop: '10.0.0.5' }] } });
      assert.equal(dup.status, 400);
      const atomic = await t.client.put(`/v2.0/routers/${r.id}/add_extraroutes`, { router: { routes: [{ destination: '10.9.0.0/24', nexthop: '10.0.0.5' }] } });
      assert.equal(atomic.status, 400);
      assert.equal(atomic.body.NeutronError.type, 'InvalidRoutes');
      const cleared = await t.client.put(`/v2.0/routers/${r.id}`, { router: { routes: null } });
      assert.equal(cleared.status, 200);
      assert.deepEqual(cleared.body.router.routes, []);
      await t.client.del(`/v2.0/routers/${r.id}`);
    });

    it('keeps projects apart', async () => {
      const mine = (await t.client.post('/v2.0/routers', { router: { name: 'mine' } })).body.router;
      const other = t.client.as({ project: 'project-b' });
      assert.equal((await other.get(`/v2.0/routers/${mine.id}`)).status, 404);
      assert.equal((await other.put(`/v2.0/routers/${mine.id}`, { router: { name: 'x' } })).status, 404);
      assert.equal((await other.put(`/v2.0/routers/${mine.id}/add_router_interface`, { subnet_id: mine.id })).status, 404);
      assert.equal((await other.get('/v2.0/routers')).body.routers.length, 0);
      await t.client.del(`/v2.0/routers/${mine.id}`);
    });

    it('enforces the router quota', async () => {
      assert.equal((await t.admin.put('/v2.0/quotas/project-q', { quota: { router: 2 } })).status, 200);
      const q = t.client.as({ project: 'project-q' });
      const results = await Promise.all([1, 2, 3].map(() => q.post('/v2.0/routers', { router: {} })));
      assert.equal(results.filter((r) => r.status === 201).length, 2);
      const over = results.find((r) => r.status === 409);
      assert.equal(over?.body.NeutronError.type, 'OverQuota');
    });
  });
}
