// The L3 behaviour aliases through HTTP on SQLite and PostgreSQL:
// router-admin-state-down-before-update (distributed changes only on a router that is down
// before and after) and l3-port-ip-change-not-allowed (router interface ports keep their
// IPv4 addresses), with the policies they sit behind (distributed is admin only).
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { dialects, personas, startTestServer, type ApiClient, type TestServer } from '../helpers/server.ts';
import { ok } from '../helpers/responses.ts';

for (const dialect of dialects()) {
  describe(`L3 update guards (${dialect})`, () => {
    let t: TestServer;
    let member: ApiClient;
    let reader: ApiClient;
    let other: ApiClient;
    before(async () => {
      t = await startTestServer(dialect);
      ({ member, reader, other } = personas(t));
    });
    after(async () => t?.close());

    it('lists both aliases as Neutron does', async () => {
      const extensions = (await member.get('/v2.0/extensions')).body.extensions;
      const pick = (alias: string) => {
        const e = extensions.find((x: { alias: string }) => x.alias === alias);
        return { name: e.name, description: e.description, updated: e.updated };
      };
      assert.deepEqual(pick('router-admin-state-down-before-update'), {
        name: "Enforce Router's Admin State Down Before Update Extension",
        description: 'Ensure that the admin state of a router is DOWN (admin_state_up=False) before updating the distributed attribute',
        updated: '2019-07-02T15:56:00',
      });
      assert.deepEqual(pick('l3-port-ip-change-not-allowed'), {
        name: 'Prevent L3 router ports IP address change extension',
        description: 'Prevent change of IP address for some L3 router ports',
        updated: '2018-10-09T10:00:00-00:00',
      });
    });

    it('changes distributed only on a router that is already down', async () => {
      const router = ok(await t.admin.post('/v2.0/routers', { router: { name: 'dvr', project_id: 'project-a' } })).router;
      const path = `/v2.0/routers/${router.id}`;
      const up = await t.admin.put(path, { router: { distributed: true } });
      assert.equal(up.status, 400, JSON.stringify(up.body));
      assert.equal(up.body.NeutronError.type, 'BadRequest');
      assert.equal(up.body.NeutronError.message, "Bad router request: Cannot change the 'distributed' attribute of active routers. Please set router admin_state_up to False prior to upgrade.");
      // Down in the same request is not enough: it must be down before.
      assert.equal((await t.admin.put(path, { router: { distributed: true, admin_state_up: false } })).status, 400);
      assert.equal((await t.admin.get(path)).body.router.admin_state_up, true, 'nothing changed');
      ok(await t.admin.put(path, { router: { admin_state_up: false } }), 200);
      // Down before, but up again after the request: refused too.
      assert.equal((await t.admin.put(path, { router: { distributed: true, admin_state_up: true } })).status, 400);
      const migrated = ok(await t.admin.put(path, { router: { distributed: true } }), 200).router;
      assert.equal(migrated.distributed, true);
      // The same value is no change; other attributes of an up router change freely.
      ok(await t.admin.put(path, { router: { admin_state_up: true } }), 200);
      ok(await t.admin.put(path, { router: { distributed: true, name: 'same' } }), 200);
      // HA (l3-ha) too: the router must be down after the request.
      assert.equal((await t.admin.put(path, { router: { ha: true } })).status, 400);
      ok(await t.admin.put(path, { router: { ha: true, admin_state_up: false } }), 200);

      // Only admins set distributed; a member, a reader and another project cannot reach it.
      assert.equal((await member.put(path, { router: { distributed: false } })).status, 403);
      assert.equal((await reader.put(path, { router: { name: 'r' } })).status, 403);
      assert.equal((await other.put(path, { router: { distributed: false } })).status, 404);
      assert.equal((await t.admin.get(path)).body.router.distributed, true);
      ok(await t.admin.del(path), 204);
    });

    it("keeps a router interface port's IPv4 addresses", async () => {
      const net = ok(await member.post('/v2.0/networks', { network: { name: 'inside' } })).network;
      const v4 = ok(await member.post('/v2.0/subnets', { subnet: { network_id: net.id, ip_version: 4, cidr: '10.40.0.0/24' } })).subnet;
      const v4b = ok(await member.post('/v2.0/subnets', { subnet: { network_id: net.id, ip_version: 4, cidr: '10.41.0.0/24' } })).subnet;
      const v6 = ok(await member.post('/v2.0/subnets', { subnet: { network_id: net.id, ip_version: 6, cidr: '2001:db8:40::/64' } })).subnet;
      const router = ok(await member.post('/v2.0/routers', { router: { name: 'r' } })).router;
      const added = ok(await member.put(`/v2.0/routers/${router.id}/add_router_interface`, { subnet_id: v4.id }), 200);
      const portPath = `/v2.0/ports/${added.port_id}`;
      const port = (await t.admin.get(portPath)).body.port;
      const refusedChange = async (fixed_ips: unknown[]) => {
        const res = await t.admin.put(portPath, { port: { fixed_ips } });
        assert.equal(res.status, 400, JSON.stringify(res.body));
        assert.equal(res.body.NeutronError.type, 'BadRequest');
        assert.equal(res.body.NeutronError.message, `Bad ports request: IP updates for port ${port.id} are not allowed.`);
      };
      await refusedChange([{ subnet_id: v4.id, ip_address: '10.40.0.9' }]);
      await refusedChange([...port.fixed_ips, { subnet_id: v4b.id }]);
      await refusedChange([]);
      assert.deepEqual((await t.admin.get(portPath)).body.port.fixed_ips, port.fixed_ips, 'unchanged');
      // The same addresses (by address or by subnet) and IPv6 additions are fine.
      ok(await t.admin.put(portPath, { port: { fixed_ips: [{ subnet_id: v4.id }] } }), 200);
      const withV6 = ok(await t.admin.put(portPath, { port: { fixed_ips: [...port.fixed_ips, { subnet_id: v6.id }] } }), 200).port;
      assert.equal(withV6.fixed_ips.length, 2);
      ok(await t.admin.put(portPath, { port: { fixed_ips: port.fixed_ips } }), 200);
      // Any other port of the project changes its addresses freely.
      const plain = ok(await member.post('/v2.0/ports', { port: { network_id: net.id, fixed_ips: [{ subnet_id: v4.id }] } })).port;
      ok(await member.put(`/v2.0/ports/${plain.id}`, { port: { fixed_ips: [{ subnet_id: v4b.id }] } }), 200);
      // A member (the router's owner) is refused the same way; other projects do not see the port.
      const asMember = await member.put(portPath, { port: { fixed_ips: [{ subnet_id: v4b.id }] } });
      assert.equal(asMember.status, 400, JSON.stringify(asMember.body));
      assert.equal((await other.put(portPath, { port: { fixed_ips: [] } })).status, 404);
      // The router's own interface handling still works.
      ok(await member.put(`/v2.0/routers/${router.id}/remove_router_interface`, { subnet_id: v4.id }), 200);
    });
  });
}
