// NDP proxies (/v2.0/ndp-proxies) and routers' enable_ndp_proxy through HTTP on SQLite and
// PostgreSQL: an IPv6 address scope shared by the external and internal networks (subnets
// from one pool), the rules that enable the proxy on a router, the proxy's validation
// (router enabled, interface on an IPv6 subnet of the port, one address scope), what
// proxies keep in place (gateway, interface), and the default policy.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { dialects, personas, startTestServer, type ApiClient, type TestServer } from '../helpers/server.ts';
import { ok, refused } from '../helpers/responses.ts';

for (const dialect of dialects()) {
  describe(`ndp proxies (${dialect})`, () => {
    let t: TestServer;
    let member: ApiClient;
    let reader: ApiClient;
    let other: ApiClient;
    let pool: any;
    let external: any;
    let plainExternal: any;


    before(async () => {
      t = await startTestServer(dialect);
      ({ member, reader, other } = personas(t));
      const scope = ok(await t.admin.post('/v2.0/address-scopes', { address_scope: { name: 'v6', ip_version: 6, shared: true } })).address_scope;
      pool = ok(await t.admin.post('/v2.0/subnetpools', { subnetpool: { name: 'v6', prefixes: ['2001:db8::/48'], default_prefixlen: 64, address_scope_id: scope.id, shared: true } })).subnetpool;
      external = ok(await t.admin.post('/v2.0/networks', { network: { name: 'ext6', 'router:external': true } })).network;
      ok(await t.admin.post('/v2.0/subnets', { subnet: { network_id: external.id, ip_version: 6, subnetpool_id: pool.id, enable_dhcp: false } }));
      // An external network whose IPv6 subnet is in no address scope.
      plainExternal = ok(await t.admin.post('/v2.0/networks', { network: { name: 'ext-plain', 'router:external': true } })).network;
      ok(await t.admin.post('/v2.0/subnets', { subnet: { network_id: plainExternal.id, ip_version: 6, cidr: '2001:db8:ffff::/64', enable_dhcp: false } }));
    });
    after(async () => t?.close());

    /** A member's network with an IPv6 subnet from the scoped pool (or a plain CIDR) and a port on it. */
    const internal = async (name: string, subnet: Record<string, unknown> = { subnetpool_id: pool.id }) => {
      const network = ok(await member.post('/v2.0/networks', { network: { name } })).network;
      const sub = ok(await member.post('/v2.0/subnets', { subnet: { network_id: network.id, ip_version: 6, ...subnet } })).subnet;
      const port = ok(await member.post('/v2.0/ports', { port: { network_id: network.id } })).port;
      return { network, subnet: sub, port };
    };
    const routerWith = async (body: Record<string, unknown>) => ok(await member.post('/v2.0/routers', { router: { name: 'r', ...body } })).router;

    it('is listed as Neutron lists it', async () => {
      const extensions = (await member.get('/v2.0/extensions')).body.extensions;
      const find = (alias: string) => extensions.find((e: { alias: string }) => e.alias === alias);
      assert.deepEqual(
        { name: find('l3-ndp-proxy').name, description: find('l3-ndp-proxy').description, updated: find('l3-ndp-proxy').updated },
        { name: 'name', description: 'description', updated: '2021-06-29T10:00:00-00:00' },
      );
      assert.deepEqual(
        { name: find('l3-ext-ndp-proxy').name, description: find('l3-ext-ndp-proxy').description, updated: find('l3-ext-ndp-proxy').updated },
        { name: 'Router support to enable NDP proxy', description: 'Router extension to enable ndp proxy', updated: '2020-08-25T00:00:00-00:00' },
      );
    });

    it('enables NDP proxy on routers only with a capable gateway', async () => {
      const plain = await routerWith({});
      assert.equal(plain.enable_ndp_proxy, false);
      refused(await member.post('/v2.0/routers', { router: { name: 'x', enable_ndp_proxy: true } }), 409, 'RouterGatewayNotValid');
      refused(await member.post('/v2.0/routers', { router: { name: 'x', enable_ndp_proxy: true, external_gateway_info: { network_id: plainExternal.id } } }), 409, 'RouterGatewayNotValid');
      assert.equal((await member.get('/v2.0/routers?name=x')).body.routers.length, 0, 'nothing left behind');
      // Not asked for: off (Neutron's enable_ndp_proxy_by_default is false).
      const unasked = await routerWith({ external_gateway_info: { network_id: external.id } });
      assert.equal(unasked.enable_ndp_proxy, false);
      const enabled = await routerWith({ external_gateway_info: { network_id: external.id }, enable_ndp_proxy: true });
      assert.equal(enabled.enable_ndp_proxy, true);
      assert.equal((await reader.get(`/v2.0/routers/${enabled.id}`)).body.router.enable_ndp_proxy, true);

      // Updates: on with a capable gateway, never without one.
      refused(await member.put(`/v2.0/routers/${plain.id}`, { router: { enable_ndp_proxy: true } }), 409, 'RouterGatewayNotValid');
      const on = ok(await member.put(`/v2.0/routers/${unasked.id}`, { router: { enable_ndp_proxy: true } }), 200).router;
      assert.equal(on.enable_ndp_proxy, true);
      assert.equal(ok(await member.put(`/v2.0/routers/${unasked.id}`, { router: { name: 'renamed' } }), 200).router.enable_ndp_proxy, true, 'kept');
      const filtered = (await member.get('/v2.0/routers?enable_ndp_proxy=true')).body.routers.map((r: { id: string }) => r.id).sort();
      assert.deepEqual(filtered, [enabled.id, unasked.id].sort());
      assert.ok(!(await member.get('/v2.0/routers?enable_ndp_proxy=false')).body.routers.some((r: { id: string }) => r.id === enabled.id));
      refused(await member.put(`/v2.0/routers/${unasked.id}`, { router: { external_gateway_info: {}, enable_ndp_proxy: true } }), 409, 'RouterGatewayNotValid');
      // The gateway goes: so does the state.
      const cleared = ok(await member.put(`/v2.0/routers/${unasked.id}`, { router: { external_gateway_info: {} } }), 200).router;
      assert.equal(cleared.enable_ndp_proxy, false);
      const back = ok(await member.put(`/v2.0/routers/${unasked.id}`, { router: { external_gateway_info: { network_id: external.id } } }), 200).router;
      assert.equal(back.enable_ndp_proxy, false, 'a new gateway starts disabled');
      assert.equal(ok(await member.put(`/v2.0/routers/${enabled.id}`, { router: { enable_ndp_proxy: false } }), 200).router.enable_ndp_proxy, false);
      assert.equal((await member.put(`/v2.0/routers/${enabled.id}`, { router: { enable_ndp_proxy: 'maybe' } })).status, 400);
      for (const r of [plain, unasked, enabled]) ok(await member.del(`/v2.0/routers/${r.id}`), 204);
    });

    it('creates, lists, shows, updates and deletes proxies, with what they keep in place', async () => {
      const router = await routerWith({ external_gateway_info: { network_id: external.id }, enable_ndp_proxy: true });
      const inside = await internal('inside');
      ok(await member.put(`/v2.0/routers/${router.id}/add_router_interface`, { subnet_id: inside.subnet.id }), 200);
      const created = await member.post('/v2.0/ndp-proxies', { ndp_proxy: { name: 'vm', router_id: router.id, port_id: inside.port.id, description: 'web' } });
      const proxy = ok(created).ndp_proxy;
      assert.equal(proxy.ip_address, inside.port.fixed_ips[0].ip_address, "the port's address on the router's subnet");
      assert.deepEqual(
        Object.keys(proxy).sort(),
        ['created_at', 'description', 'id', 'ip_address', 'name', 'port_id', 'project_id', 'revision_number', 'router_id', 'tags', 'tenant_id', 'updated_at'],
      );
      assert.equal(proxy.project_id, 'project-a');
      assert.deepEqual((await reader.get(`/v2.0/ndp-proxies/${proxy.id}`)).body.ndp_proxy.ip_address, proxy.ip_address);
      assert.deepEqual((await reader.get(`/v2.0/ndp-proxies?router_id=${router.id}`)).body.ndp_proxies.map((p: { id: string }) => p.id), [proxy.id]);
      assert.equal((await reader.get('/v2.0/ndp-proxies?name=other')).body.ndp_proxies.length, 0);
      const renamed = ok(await member.put(`/v2.0/ndp-proxies/${proxy.id}`, { ndp_proxy: { name: 'vm2', description: 'db' } }), 200).ndp_proxy;
      assert.equal(renamed.name, 'vm2');
      assert.equal(renamed.revision_number, 1);
      assert.equal((await member.put(`/v2.0/ndp-proxies/${proxy.id}`, { ndp_proxy: { ip_address: '2001:db8::9' } })).status, 400);

      // The gateway and the interface stay while the proxy uses them.
      refused(await member.put(`/v2.0/routers/${router.id}`, { router: { external_gateway_info: {} } }), 409, 'RouterGatewayInUseByNDPProxy');
      refused(await member.put(`/v2.0/routers/${router.id}/remove_router_interface`, { subnet_id: inside.subnet.id }), 409, 'RouterInterfaceInUseByNDPProxy');
      assert.equal((await member.get(`/v2.0/routers/${router.id}`)).body.router.external_gateway_info.network_id, external.id, 'unchanged');

      ok(await member.del(`/v2.0/ndp-proxies/${proxy.id}`), 204);
      refused(await member.get(`/v2.0/ndp-proxies/${proxy.id}`), 404, 'NDPProxyNotFound');
      ok(await member.put(`/v2.0/routers/${router.id}/remove_router_interface`, { subnet_id: inside.subnet.id }), 200);
      ok(await member.put(`/v2.0/routers/${router.id}`, { router: { external_gateway_info: {} } }), 200);
      ok(await member.del(`/v2.0/routers/${router.id}`), 204);
    });

    it('validates proxies as Neutron does', async () => {
      const router = await routerWith({ external_gateway_info: { network_id: external.id }, enable_ndp_proxy: true });
      const inside = await internal('validate');
      const create = (body: Record<string, unknown>) => member.post('/v2.0/ndp-proxies', { ndp_proxy: { router_id: router.id, port_id: inside.port.id, ...body } });
      // No interface on the port's network yet.
      refused(await create({}), 409, 'PortUnreachableRouter');
      ok(await member.put(`/v2.0/routers/${router.id}/add_router_interface`, { subnet_id: inside.subnet.id }), 200);
      refused(await create({ ip_address: '2001:db8:ffff::5' }), 400, 'InvalidAddress');
      refused(await create({ ip_address: 'not-an-ip' }), 400, 'HTTPBadRequest');
      refused(await member.post('/v2.0/ndp-proxies', { ndp_proxy: { router_id: router.id } }), 400, 'HTTPBadRequest');
      refused(await create({ port_id: '00000000-0000-0000-0000-000000000000' }), 404, 'PortNotFound');
      refused(await create({ router_id: '00000000-0000-0000-0000-000000000000' }), 409, 'PortUnreachableRouter');
      // The given address must be the port's, in lower or upper case alike.
      const ip = inside.port.fixed_ips[0].ip_address as string;
      assert.equal(ok(await create({ ip_address: ip.toUpperCase() })).ndp_proxy.ip_address, ip);

      // An IPv4-only port on a connected network.
      const v4net = ok(await member.post('/v2.0/networks', { network: { name: 'v4' } })).network;
      const v4sub = ok(await member.post('/v2.0/subnets', { subnet: { network_id: v4net.id, ip_version: 4, cidr: '10.9.0.0/24' } })).subnet;
      ok(await member.put(`/v2.0/routers/${router.id}/add_router_interface`, { subnet_id: v4sub.id }), 200);
      const v4port = ok(await member.post('/v2.0/ports', { port: { network_id: v4net.id } })).port;
      assert.match(refused(await create({ port_id: v4port.id }), 400, 'BadRequest'), /must allocate one IPv6 address at least/);

      // An internal IPv6 subnet outside the external network's address scope.
      const unscoped = await internal('unscoped', { cidr: '2001:db8:eeee::/64' });
      ok(await member.put(`/v2.0/routers/${router.id}/add_router_interface`, { subnet_id: unscoped.subnet.id }), 200);
      refused(await create({ port_id: unscoped.port.id }), 409, 'AddressScopeConflict');

      // A router with NDP proxy disabled.
      const disabled = await routerWith({ external_gateway_info: { network_id: external.id } });
      const elsewhere = await internal('disabled');
      ok(await member.put(`/v2.0/routers/${disabled.id}/add_router_interface`, { subnet_id: elsewhere.subnet.id }), 200);
      refused(await member.post('/v2.0/ndp-proxies', { ndp_proxy: { router_id: disabled.id, port_id: elsewhere.port.id } }), 409, 'RouterNDPProxyNotEnable');
      assert.equal((await member.get(`/v2.0/ndp-proxies?router_id=${disabled.id}`)).body.ndp_proxies.length, 0);

      // Deleting the port deletes its proxies.
      const proxies = (await member.get(`/v2.0/ndp-proxies?port_id=${inside.port.id}`)).body.ndp_proxies;
      assert.equal(proxies.length, 1);
      ok(await member.del(`/v2.0/ports/${inside.port.id}`), 204);
      refused(await member.get(`/v2.0/ndp-proxies/${proxies[0].id}`), 404, 'NDPProxyNotFound');
    });

    it('follows the default policy: members manage their own, readers read, other projects see nothing', async () => {
      const router = await routerWith({ external_gateway_info: { network_id: external.id }, enable_ndp_proxy: true });
      const inside = await internal('policy');
      ok(await member.put(`/v2.0/routers/${router.id}/add_router_interface`, { subnet_id: inside.subnet.id }), 200);
      refused(await reader.post('/v2.0/ndp-proxies', { ndp_proxy: { router_id: router.id, port_id: inside.port.id } }), 403, 'PolicyNotAuthorized');
      const proxy = ok(await member.post('/v2.0/ndp-proxies', { ndp_proxy: { router_id: router.id, port_id: inside.port.id } })).ndp_proxy;
      assert.equal((await reader.get(`/v2.0/ndp-proxies/${proxy.id}`)).status, 200);
      refused(await reader.put(`/v2.0/ndp-proxies/${proxy.id}`, { ndp_proxy: { name: 'r' } }), 403, 'PolicyNotAuthorized');
      refused(await reader.del(`/v2.0/ndp-proxies/${proxy.id}`), 403, 'PolicyNotAuthorized');
      refused(await other.get(`/v2.0/ndp-proxies/${proxy.id}`), 404, 'NDPProxyNotFound');
      refused(await other.put(`/v2.0/ndp-proxies/${proxy.id}`, { ndp_proxy: { name: 'o' } }), 404, 'NDPProxyNotFound');
      refused(await other.del(`/v2.0/ndp-proxies/${proxy.id}`), 404, 'NDPProxyNotFound');
      assert.ok(!(await other.get('/v2.0/ndp-proxies')).body.ndp_proxies.some((p: { id: string }) => p.id === proxy.id));
      // Another project cannot proxy for a port or router it cannot see.
      refused(await other.post('/v2.0/ndp-proxies', { ndp_proxy: { router_id: router.id, port_id: inside.port.id } }), 404, 'PortNotFound');
      assert.ok((await t.admin.get('/v2.0/ndp-proxies')).body.ndp_proxies.some((p: { id: string }) => p.id === proxy.id));
      assert.equal((await t.admin.get(`/v2.0/ndp-proxies/${proxy.id}`)).body.ndp_proxy.name, '', 'unchanged');
    });
  });
}
