// Auto-allocated topology ("get me a network") through HTTP on SQLite and PostgreSQL:
// requirements and their errors, dry-run, building once per project, authorization,
// deletion, and the single default external network.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { dialects, startTestServer, type TestServer } from '../helpers/server.ts';
import { externalNetwork, portsOf } from '../helpers/l3.ts';

for (const dialect of dialects()) {
  describe(`auto-allocated topology (${dialect})`, () => {
    let t: TestServer;
    before(async () => {
      t = await startTestServer(dialect);
    });
    after(async () => t?.close());

    const path = (project: string, query = '') => `/v2.0/auto-allocated-topology/${project}${query}`;

    it('explains what is missing and changes nothing', async () => {
      const noExternal = await t.client.get(path('project-a'));
      assert.equal(noExternal.status, 409);
      assert.equal(noExternal.body.NeutronError.type, 'AutoAllocationFailure');
      assert.equal(noExternal.body.NeutronError.message, 'Deployment error: No default router:external network.');

      const ext = await externalNetwork(t.admin, '172.24.4.0/24', { is_default: true });
      assert.equal(ext.network.is_default, true);
      const second = await t.admin.post('/v2.0/networks', { network: { name: 'ext2', 'router:external': true, is_default: true } });
      assert.equal(second.status, 409);
      assert.equal(second.body.NeutronError.type, 'DefaultExternalNetworkExists');
      const byMember = await t.client.post('/v2.0/networks', { network: { name: 'x', is_default: true } });
      assert.equal(byMember.status, 403);

      const noPools = await t.client.get(path('project-a', '?fields=dry-run'));
      assert.equal(noPools.status, 409);
      assert.equal(noPools.body.NeutronError.message, 'Deployment error: No default subnetpools defined.');
      assert.equal((await t.client.get(path('project-a'))).status, 409);
      assert.equal((await t.client.get('/v2.0/networks')).body.networks.filter((n: { project_id: string }) => n.project_id === 'project-a').length, 0);
      assert.equal((await t.client.get('/v2.0/routers')).body.routers.length, 0);
    });

    it('builds the topology once per project and deletes it', async () => {
      const pool = await t.admin.post('/v2.0/subnetpools', { subnetpool: { name: 'default-v4', prefixes: ['10.128.0.0/16'], default_prefixlen: 26, is_default: true, shared: true } });
      assert.equal(pool.status, 201, JSON.stringify(pool.body));
      const dry = await t.client.get(path('project-a', '?fields=dry-run'));
      assert.equal(dry.status, 200);
      assert.equal(dry.body.auto_allocated_topology.id, 'dry-run=pass');
      assert.equal((await t.client.get(path('project-a', '?fields=name'))).status, 400);

      const built = await t.client.get(path('project-a'));
      assert.equal(built.status, 200, JSON.stringify(built.body));
      const topology = built.body.auto_allocated_topology;
      assert.equal(topology.tenant_id, 'project-a');
      assert.equal(topology.project_id, 'project-a');
      const network = (await t.client.get(`/v2.0/networks/${topology.id}`)).body.network;
      assert.equal(network.name, 'auto_allocated_network');
      assert.equal(network.admin_state_up, true);
      const [subnet] = (await t.client.get(`/v2.0/subnets?network_id=${network.id}`)).body.subnets;
      assert.equal(subnet.name, 'auto_allocated_subnet_v4');
      assert.equal(subnet.subnetpool_id, pool.body.subnetpool.id);
      assert.match(subnet.cidr, /^10\.128\.\d+\.\d+\/26$/);
      const [router] = (await t.client.get('/v2.0/routers?name=auto_allocated_router')).body.routers;
      assert.equal(router.external_gateway_info.network_id, (await t.admin.get('/v2.0/networks?is_default=true')).body.networks[0].id);
      const ifaces = await portsOf(t.admin, router.id, 'network:router_interface');
      assert.deepEqual(ifaces.map((p: any) => p.fixed_ips[0].ip_address), [subnet.gateway_ip]);

      const again = await t.client.get(path('project-a'));
      assert.equal(again.body.auto_allocated_topology.id, topology.id, 'built once');
      const none = await t.client.get(path('None'));
      assert.equal(none.body.auto_allocated_topology.id, topology.id, "'None' means the caller's project");

      const foreign = await t.client.as({ project: 'project-b' }).get(path('project-a'));
      assert.equal(foreign.status, 403);
      assert.equal((await t.client.as({ project: 'project-b' }).del(path('project-a'))).status, 403);

      assert.equal((await t.client.del(path('project-a'))).status, 204);
      assert.equal((await t.client.get(`/v2.0/networks/${topology.id}`)).status, 404);
      assert.equal((await t.client.get(`/v2.0/routers/${router.id}`)).status, 404);
      assert.equal((await t.client.del(path('project-a'))).status, 204, 'nothing left to delete is fine');
      const rebuilt = await t.client.get(path('project-a'));
      assert.notEqual(rebuilt.body.auto_allocated_topology.id, topology.id);
    });
  });
}
