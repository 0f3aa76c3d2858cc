// Routers through HTTP on SQLite and PostgreSQL: CRUD with Neutron defaults, admin-only
// flags, availability zones, quota, extra routes; gateways and interfaces when subnets
// and ports are served.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { dialects, startTestServer, type TestServer } from '../helpers/server.ts';
import { externalNetwork, networkWithSubnet, portsOf } from '../helpers/l3.ts';

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
      assert.equal(router.ha, undefined, 'ha is shown to admins only (policy)');

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

    it('creates, changes and removes the external gateway through a gateway port', async () => {
      const ext = await externalNetwork(t.admin, '172.24.4.0/24');
      const created = await t.client.post('/v2.0/routers', { router: { name: 'gw', external_gateway_info: { network_id: ext.network.id } } });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      const router = created.body.router;
      const info = router.external_gateway_info;
      assert.equal(info.network_id, ext.network.id);
      assert.equal(info.enable_snat, true);
      assert.equal(info.external_fixed_ips.length, 1);
      assert.equal(info.external_fixed_ips[0].subnet_id, ext.subnet.id);
      assert.match(info.external_fixed_ips[0].ip_address, /^172\.24\.4\./);
      const [gwPort] = await portsOf(t.admin, router.id, 'network:router_gateway');
      assert.equal(gwPort.project_id, '', 'gateway ports belong to no project');
      assert.equal(gwPort.network_id, ext.network.id);

      const direct = await t.admin.del(`/v2.0/ports/${gwPort.id}`);
      assert.equal(direct.status, 409);
      assert.equal(direct.body.NeutronError.type, 'L3PortInUse');
      const netDelete = await t.admin.del(`/v2.0/networks/${ext.network.id}`);
      assert.equal(netDelete.status, 409);
      assert.equal(netDelete.body.NeutronError.type, 'NetworkInUse');
      const unexternal = await t.admin.put(`/v2.0/networks/${ext.network.id}`, { network: { 'router:external': false } });
      assert.equal(unexternal.status, 409);
      assert.equal(unexternal.body.NeutronError.type, 'ExternalNetworkInUse');

      const snatByMember = await t.client.put(`/v2.0/routers/${router.id}`, { router: { external_gateway_info: { network_id: ext.network.id, enable_snat: false } } });
      assert.equal(snatByMember.status, 403);
      const snat = await t.admin.put(`/v2.0/routers/${router.id}`, { router: { external_gateway_info: { network_id: ext.network.id, enable_snat: false } } });
      assert.equal(snat.status, 200);
      assert.equal(snat.body.router.external_gateway_info.enable_snat, false);
      assert.equal(snat.body.router.external_gateway_info.external_fixed_ips[0].ip_address, info.external_fixed_ips[0].ip_address, 'same network keeps the port');

      const gatewayIp = await t.admin.put(`/v2.0/routers/${router.id}`, { router: { external_gateway_info: { network_id: ext.network.id, external_fixed_ips: [{ ip_address: ext.subnet.gateway_ip }] } } });
      assert.equal(gatewayIp.status, 400);
      const fixed = await t.admin.put(`/v2.0/routers/${router.id}`, { router: { external_gateway_info: { network_id: ext.network.id, external_fixed_ips: [{ subnet_id: ext.subnet.id, ip_address: '172.24.4.100' }] } } });
      assert.equal(fixed.status, 200, JSON.stringify(fixed.body));
      assert.deepEqual(fixed.body.router.external_gateway_info.external_fixed_ips, [{ subnet_id: ext.subnet.id, ip_address: '172.24.4.100' }]);

      const cleared = await t.client.put(`/v2.0/routers/${router.id}`, { router: { external_gateway_info: {} } });
      assert.equal(cleared.status, 200);
      assert.equal(cleared.body.router.external_gateway_info, null);
      assert.equal((await portsOf(t.admin, router.id)).length, 0, 'gateway port removed');

      // Deleting a router removes its gateway port.
      await t.client.put(`/v2.0/routers/${router.id}`, { router: { external_gateway_info: { network_id: ext.network.id } } });
      assert.equal((await portsOf(t.admin, router.id)).length, 1);
      assert.equal((await t.client.del(`/v2.0/routers/${router.id}`)).status, 204);
      assert.equal((await portsOf(t.admin, router.id)).length, 0);
      assert.equal((await t.admin.del(`/v2.0/networks/${ext.network.id}`)).status, 204);
    });

    it('leaves no router and no port when the gateway cannot be set', async () => {
      const internal = (await t.admin.post('/v2.0/networks', { network: { name: 'not-external' } })).body.network;
      const res = await t.admin.post('/v2.0/routers', { router: { name: 'doomed', external_gateway_info: { network_id: internal.id } } });
      assert.equal(res.status, 400);
      assert.equal(res.body.NeutronError.type, 'BadRequest');
      assert.match(res.body.NeutronError.message, /is not an external network/);
      assert.equal((await t.admin.get('/v2.0/routers?name=doomed')).body.routers.length, 0);
      assert.equal((await t.admin.get(`/v2.0/ports?network_id=${internal.id}`)).body.ports.length, 0);
      assert.equal((await t.admin.del(`/v2.0/networks/${internal.id}`)).status, 204);
    });

    it('accepts a gateway on an external network without subnets (a port without addresses), as Neutron', async () => {
      const empty = (await t.admin.post('/v2.0/networks', { network: { name: 'ext-empty', 'router:external': true } })).body.network;
      const res = await t.client.post('/v2.0/routers', { router: { name: 'no-subnets', external_gateway_info: { network_id: empty.id } } });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      assert.equal(res.body.router.external_gateway_info.network_id, empty.id);
      assert.deepEqual(res.body.router.external_gateway_info.external_fixed_ips, []);
      const ports = (await t.admin.get(`/v2.0/ports?network_id=${empty.id}`)).body.ports;
      assert.equal(ports.length, 1);
      assert.deepEqual(ports[0].fixed_ips, []);
      assert.equal((await t.client.del(`/v2.0/routers/${res.body.router.id}`)).status, 204);
      assert.equal((await t.admin.del(`/v2.0/networks/${empty.id}`)).status, 204);
    });

    it('attaches and detaches interfaces by subnet and by port', async () => {
      const a = await networkWithSubnet(t.client, '10.0.0.0/24');
      const b = await networkWithSubnet(t.client, '10.1.0.0/24');
      const overlapping = await networkWithSubnet(t.client, '10.0.0.0/16');
      const noGateway = await networkWithSubnet(t.client, '10.2.0.0/24', {}, { gateway_ip: null });
      const router = (await t.client.post('/v2.0/routers', { router: { name: 'ifaces' } })).body.router;
      const path = (action: string) => `/v2.0/routers/${router.id}/${action}`;

      const added = await t.client.put(path('add_router_interface'), { subnet_id: a.subnet.id });
      assert.equal(added.status, 200, JSON.stringify(added.body));
      assert.deepEqual(Object.keys(added.body).sort(), ['id', 'network_id', 'port_id', 'project_id', 'subnet_id', 'subnet_ids', 'tenant_id']);
      assert.equal(added.body.id, router.id);
      assert.equal(added.body.subnet_id, a.subnet.id);
      assert.deepEqual(added.body.subnet_ids, [a.subnet.id]);
      assert.equal(added.body.network_id, a.network.id);
      const port = (await t.client.get(`/v2.0/ports/${added.body.port_id}`)).body.port;
      assert.equal(port.device_owner, 'network:router_interface');
      assert.equal(port.device_id, router.id);
      assert.deepEqual(port.fixed_ips, [{ subnet_id: a.subnet.id, ip_address: '10.0.0.1' }]);

      const again = await t.client.put(path('add_router_interface'), { subnet_id: a.subnet.id });
      assert.equal(again.status, 400);
      assert.equal(again.body.NeutronError.message, `Bad router request: Router already has a port on subnet ${a.subnet.id}.`);
      const overlap = await t.client.put(path('add_router_interface'), { subnet_id: overlapping.subnet.id });
      assert.equal(overlap.status, 400);
      assert.equal(overlap.body.NeutronError.message, `Bad router request: Cidr 10.0.0.0/16 of subnet ${overlapping.subnet.id} overlaps with cidr 10.0.0.0/24 of subnet ${a.subnet.id}.`);
      const gatewayless = await t.client.put(path('add_router_interface'), { subnet_id: noGateway.subnet.id });
      assert.equal(gatewayless.status, 400);
      assert.match(gatewayless.body.NeutronError.message, /must have a gateway IP/);
      assert.equal((await t.client.put(path('add_router_interface'), {})).status, 400);
      const missing = await t.client.put(path('add_router_interface'), { subnet_id: '0b4a3e5e-4f3c-4e59-8d43-6a3c2f1d9e11' });
      assert.equal(missing.status, 404);
      assert.equal(missing.body.NeutronError.type, 'SubnetNotFound');

      // The subnet's gateway IP belongs to one router.
      const other = (await t.client.post('/v2.0/routers', { router: { name: 'other' } })).body.router;
      const taken = await t.client.put(`/v2.0/routers/${other.id}/add_router_interface`, { subnet_id: a.subnet.id });
      assert.equal(taken.status, 409);
      assert.equal(taken.body.NeutronError.type, 'IpAddressInUse');

      // An existing port becomes an interface.
      const free = (await t.client.post('/v2.0/ports', { port: { network_id: b.network.id } })).body.port;
      const byPort = await t.client.put(path('add_router_interface'), { port_id: free.id });
      assert.equal(byPort.status, 200, JSON.stringify(byPort.body));
      assert.equal(byPort.body.port_id, free.id);
      assert.deepEqual(byPort.body.subnet_ids, [b.subnet.id]);
      assert.equal((await t.client.get(`/v2.0/ports/${free.id}`)).body.port.device_owner, 'network:router_interface');
      const inUse = await t.client.put(`/v2.0/routers/${other.id}/add_router_interface`, { port_id: free.id });
      assert.equal(inUse.status, 409);
      assert.equal(inUse.body.NeutronError.type, 'PortInUse');
      const bare = (await t.admin.post('/v2.0/ports', { port: { network_id: b.network.id, fixed_ips: [], project_id: 'project-a' } })).body.port;
      const noIps = await t.client.put(`/v2.0/routers/${other.id}/add_router_interface`, { port_id: bare.id });
      assert.equal(noIps.status, 400);
      assert.match(noIps.body.NeutronError.message, /at least one fixed IP/);

      // Interfaces protect themselves, their subnets and the router.
      const portDelete = await t.client.del(`/v2.0/ports/${added.body.port_id}`);
      assert.equal(portDelete.status, 409);
      assert.equal(portDelete.body.NeutronError.type, 'L3PortInUse');
      const subnetDelete = await t.client.del(`/v2.0/subnets/${a.subnet.id}`);
      assert.equal(subnetDelete.status, 409);
      assert.equal(subnetDelete.body.NeutronError.type, 'SubnetInUse');
      const routerDelete = await t.client.del(`/v2.0/routers/${router.id}`);
      assert.equal(routerDelete.status, 409);
      assert.equal(routerDelete.body.NeutronError.type, 'RouterInUse');
      assert.equal(routerDelete.body.NeutronError.message, `Router ${router.id} still has ports`);

      // Extra routes via connected subnets.
      const route = { destination: '192.168.0.0/24', nexthop: '10.0.0.5' };
      const own = await t.client.put(`/v2.0/routers/${router.id}`, { router: { routes: [{ destination: '192.168.0.0/24', nexthop: '10.0.0.1' }] } });
      assert.equal(own.status, 400);
      assert.equal(own.body.NeutronError.type, 'InvalidRoutes');
      const withRoute = await t.client.put(`/v2.0/routers/${router.id}`, { router: { routes: [route] } });
      assert.equal(withRoute.status, 200, JSON.stringify(withRoute.body));
      assert.deepEqual(withRoute.body.router.routes, [route]);
      const more = await t.client.put(path('add_extraroutes'), { router: { routes: [{ destination: '192.168.1.0/24', nexthop: '10.1.0.9' }, route] } });
      assert.equal(more.status, 200, JSON.stringify(more.body));
      assert.equal(more.body.router.routes.length, 2);
      const needed = await t.client.put(path('remove_router_interface'), { subnet_id: a.subnet.id });
      assert.equal(needed.status, 409);
      assert.equal(needed.body.NeutronError.type, 'RouterInterfaceInUseByRoute');
      const fewer = await t.client.put(path('remove_extraroutes'), { router: { routes: [route] } });
      assert.deepEqual(fewer.body.router.routes, [{ destination: '192.168.1.0/24', nexthop: '10.1.0.9' }]);
      await t.client.put(`/v2.0/routers/${router.id}`, { router: { routes: [] } });

      // Detach.
      const notAttached = await t.client.put(path('remove_router_interface'), { subnet_id: overlapping.subnet.id });
      assert.equal(notAttached.status, 404);
      assert.equal(notAttached.body.NeutronError.type, 'RouterInterfaceNotFoundForSubnet');
      const wrongPort = await t.client.put(path('remove_router_interface'), { port_id: bare.id });
      assert.equal(wrongPort.status, 404);
      assert.equal(wrongPort.body.NeutronError.type, 'RouterInterfaceNotFound');
      const removed = await t.client.put(path('remove_router_interface'), { subnet_id: a.subnet.id });
      assert.equal(removed.status, 200);
      assert.equal(removed.body.port_id, added.body.port_id);
      assert.deepEqual(removed.body.subnet_ids, [a.subnet.id]);
      assert.equal((await t.client.get(`/v2.0/ports/${added.body.port_id}`)).status, 404);
      const removedPort = await t.client.put(path('remove_router_interface'), { port_id: free.id });
      assert.equal(removedPort.status, 200);
      assert.equal((await t.client.get(`/v2.0/ports/${free.id}`)).status, 404, 'Neutron deletes the port on removal');
      const revision = (await t.client.get(`/v2.0/routers/${router.id}`)).body.router.revision_number;
      assert.ok(revision >= 4, 'interface changes bump the router revision');

      assert.equal((await t.client.del(`/v2.0/routers/${router.id}`)).status, 204);
      await t.client.del(`/v2.0/routers/${other.id}`);
      await t.client.del(`/v2.0/ports/${bare.id}`);
      for (const n of [a, b, overlapping, noGateway]) assert.equal((await t.client.del(`/v2.0/networks/${n.network.id}`)).status, 204);
    });

    it('attaches only one of concurrently added overlapping subnets', async () => {
      const nets = await Promise.all(['10.60.0.0/24', '10.60.0.0/16', '10.60.0.128/25'].map((cidr) => networkWithSubnet(t.client, cidr)));
      const router = (await t.client.post('/v2.0/routers', { router: { name: 'race' } })).body.router;
      const results = await Promise.all(nets.map((n) => t.client.put(`/v2.0/routers/${router.id}/add_router_interface`, { subnet_id: n.subnet.id })));
      assert.equal(results.filter((r) => r.status === 200).length, 1, JSON.stringify(results.map((r) => r.body)));
      for (const r of results.filter((x) => x.status !== 200)) assert.equal(r.status, 400);
      assert.equal((await portsOf(t.admin, router.id, 'network:router_interface')).length, 1);
      const won = results.find((r) => r.status === 200)!.body;
      await t.client.put(`/v2.0/routers/${router.id}/remove_router_interface`, { subnet_id: won.subnet_id });
      await t.client.del(`/v2.0/routers/${router.id}`);
      for (const n of nets) await t.client.del(`/v2.0/networks/${n.network.id}`);
    });
  });
}
