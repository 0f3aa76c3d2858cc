// RBAC policies (/v2.0/rbac-policies) through HTTP, on SQLite and PostgreSQL: sharing a
// network with one project or everyone, who may grant what, duplicates, the network
// `shared` / `router:external` flags as views of `*` grants, and the rbac_policy quota.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { dialects, startTestServer, type ApiClient, type ApiResponse, type TestServer } from '../helpers/server.ts';

function assertError(res: ApiResponse, status: number, type: string): void {
  assert.equal(res.status, status, JSON.stringify(res.body));
  assert.equal(res.body.NeutronError.type, type);
}

const share = (networkId: string, target: unknown, action = 'access_as_shared') => ({
  rbac_policy: { object_type: 'network', object_id: networkId, action, target_tenant: target },
});

for (const dialect of dialects()) {
  describe(`rbac policies (${dialect})`, () => {
    let t: TestServer;
    let a: ApiClient;
    let b: ApiClient;
    let c: ApiClient;
    before(async () => {
      t = await startTestServer(dialect);
      a = t.client.as({ project: 'project-a', roles: 'member,reader' });
      b = t.client.as({ project: 'project-b', roles: 'member,reader' });
      c = t.client.as({ project: 'project-c', roles: 'member,reader' });
    });
    after(async () => t?.close());

    const newNetwork = async (client: ApiClient, name: string) => {
      const res = await client.post('/v2.0/networks', { network: { name } });
      assert.equal(res.status, 201);
      return res.body.network;
    };

    it('shares a network with one project only', async () => {
      const net = await newNetwork(a, 'a-to-b');
      assertError(await b.get(`/v2.0/networks/${net.id}`), 404, 'NetworkNotFound');
      const created = await a.post('/v2.0/rbac-policies', share(net.id, 'project-b'));
      assert.equal(created.status, 201, JSON.stringify(created.body));
      const policy = created.body.rbac_policy;
      assert.deepEqual(Object.keys(policy).sort(), ['action', 'id', 'object_id', 'object_type', 'project_id', 'target_tenant', 'tenant_id']);
      assert.equal(policy.project_id, 'project-a');
      assert.equal(policy.target_tenant, 'project-b');

      const seenByB = await b.get(`/v2.0/networks/${net.id}`);
      assert.equal(seenByB.status, 200);
      assert.equal(seenByB.body.network.shared, true, 'shared as B sees it');
      assert.ok((await b.get('/v2.0/networks')).body.networks.some((n: { id: string }) => n.id === net.id));
      assertError(await c.get(`/v2.0/networks/${net.id}`), 404, 'NetworkNotFound');
      assert.ok(!(await c.get('/v2.0/networks')).body.networks.some((n: { id: string }) => n.id === net.id));
      assert.equal((await a.get(`/v2.0/networks/${net.id}`)).body.network.shared, false, 'not shared with everyone, as the owner sees it');
      const ids = async (client: ApiClient, query: string) => (await client.get(`/v2.0/networks?${query}`)).body.networks.map((n: { id: string }) => n.id);
      assert.ok((await ids(b, 'shared=true')).includes(net.id), 'the shared filter matches shared as the caller sees it');
      assert.ok(!(await ids(b, 'shared=false')).includes(net.id));
      assert.ok((await ids(a, 'shared=false')).includes(net.id));
      assert.ok(!(await ids(a, 'shared=true')).includes(net.id));
      assertError(await b.put(`/v2.0/networks/${net.id}`, { network: { name: 'b-was-here' } }), 403, 'PolicyNotAuthorized');
      assertError(await b.del(`/v2.0/networks/${net.id}`), 403, 'PolicyNotAuthorized');

      // The policy belongs to A: B does not see it even though it names B.
      assert.equal((await a.get(`/v2.0/rbac-policies/${policy.id}`)).body.rbac_policy.id, policy.id);
      assertError(await b.get(`/v2.0/rbac-policies/${policy.id}`), 404, 'RbacPolicyNotFound');
      assert.deepEqual((await b.get('/v2.0/rbac-policies')).body.rbac_policies, []);
      assertError(await b.del(`/v2.0/rbac-policies/${policy.id}`), 404, 'RbacPolicyNotFound');

      assert.equal((await a.del(`/v2.0/rbac-policies/${policy.id}`)).status, 204);
      assertError(await b.get(`/v2.0/networks/${net.id}`), 404, 'NetworkNotFound');
    });

    it('retargets a policy and bumps the network revision', async () => {
      const net = await newNetwork(a, 'retarget');
      const policy = (await a.post('/v2.0/rbac-policies', share(net.id, 'project-b'))).body.rbac_policy;
      const revision = (await a.get(`/v2.0/networks/${net.id}`)).body.network.revision_number;
      assert.ok(revision > net.revision_number, 'granting access is a change of the network');
      const updated = await a.put(`/v2.0/rbac-policies/${policy.id}`, { rbac_policy: { target_tenant: 'project-c' } });
      assert.equal(updated.status, 200);
      assert.deepEqual({ ...updated.body.rbac_policy, target_tenant: 'project-b' }, policy, 'only the target changed');
      assertError(await b.get(`/v2.0/networks/${net.id}`), 404, 'NetworkNotFound');
      assert.equal((await c.get(`/v2.0/networks/${net.id}`)).status, 200);
      assertError(await a.put(`/v2.0/rbac-policies/${policy.id}`, { rbac_policy: { action: 'access_as_external' } }), 400, 'HTTPBadRequest');
    });

    it('lets only admins share with everyone', async () => {
      const net = await newNetwork(a, 'wild');
      assertError(await a.post('/v2.0/rbac-policies', share(net.id, '*')), 403, 'PolicyNotAuthorized');
      const policy = (await a.post('/v2.0/rbac-policies', share(net.id, 'project-b'))).body.rbac_policy;
      assertError(await a.put(`/v2.0/rbac-policies/${policy.id}`, { rbac_policy: { target_tenant: '*' } }), 403, 'PolicyNotAuthorized');
      assertError(await c.get(`/v2.0/networks/${net.id}`), 404, 'NetworkNotFound');

      const wildcard = await t.admin.post('/v2.0/rbac-policies', share(net.id, '*'));
      assert.equal(wildcard.status, 201);
      assert.equal(wildcard.body.rbac_policy.project_id, 'admin-project');
      const seenByC = (await c.get(`/v2.0/networks/${net.id}`)).body.network;
      assert.equal(seenByC.shared, true);
      assert.equal((await a.get(`/v2.0/networks/${net.id}`)).body.network.shared, true, 'shared with everyone');
      assert.ok((await c.get('/v2.0/networks?shared=true')).body.networks.some((n: { id: string }) => n.id === net.id));
      assert.equal((await t.admin.del(`/v2.0/rbac-policies/${wildcard.body.rbac_policy.id}`)).status, 204);
      assert.equal((await a.get(`/v2.0/networks/${net.id}`)).body.network.shared, false);
      assertError(await c.get(`/v2.0/networks/${net.id}`), 404, 'NetworkNotFound');
    });

    it("refuses policies on networks the caller does not own or cannot see", async () => {
      const net = await newNetwork(a, 'not-yours');
      assertError(await b.post('/v2.0/rbac-policies', share(net.id, 'project-b')), 404, 'NetworkNotFound');
      await a.post('/v2.0/rbac-policies', share(net.id, 'project-b'));
      // B sees it now, but sharing it further is the owner's call.
      assertError(await b.post('/v2.0/rbac-policies', share(net.id, 'project-c')), 400, 'InvalidInput');
      assertError(await a.post('/v2.0/rbac-policies', share('00000000-0000-0000-0000-000000000000', 'project-b')), 404, 'NetworkNotFound');
      assertError(await c.get(`/v2.0/networks/${net.id}`), 404, 'NetworkNotFound');
    });

    it('rejects duplicates and invalid input without changing anything', async () => {
      const net = await newNetwork(a, 'dups');
      assert.equal((await a.post('/v2.0/rbac-policies', share(net.id, 'project-b'))).status, 201);
      assertError(await a.post('/v2.0/rbac-policies', share(net.id, 'project-b')), 409, 'DuplicateRbacPolicy');
      assertError(await a.post('/v2.0/rbac-policies', share(net.id, null)), 400, 'HTTPBadRequest');
      assertError(await a.post('/v2.0/rbac-policies', share(net.id, '1234'.repeat(100))), 400, 'HTTPBadRequest');
      assertError(await a.post('/v2.0/rbac-policies', share(net.id, 'project-c', 'access_as_owner')), 400, 'HTTPBadRequest');
      assertError(await a.post('/v2.0/rbac-policies', { rbac_policy: { object_type: 'spaceship', object_id: net.id, action: 'access_as_shared', target_tenant: 'project-c' } }), 400, 'HTTPBadRequest');
      assertError(await a.post('/v2.0/rbac-policies', { rbac_policy: { object_type: 'network', object_id: net.id, action: 'access_as_shared' } }), 400, 'HTTPBadRequest');
      const mine = (await a.get(`/v2.0/rbac-policies?object_id=${net.id}`)).body.rbac_policies;
      assert.equal(mine.length, 1);
      const second = await t.admin.post('/v2.0/rbac-policies', share(net.id, 'project-c'));
      const retarget = await t.admin.put(`/v2.0/rbac-policies/${second.body.rbac_policy.id}`, { rbac_policy: { target_tenant: 'project-b' } });
      assertError(retarget, 409, 'DuplicateRbacPolicy');
      assert.equal((await c.get(`/v2.0/networks/${net.id}`)).status, 200, 'the refused retarget changed nothing');
    });

    it('backs network shared and router:external with * policies', async () => {
      const net = (await t.admin.post('/v2.0/networks', { network: { name: 'flagged', shared: true, project_id: 'project-a' } })).body.network;
      const policies = async () => (await t.admin.get(`/v2.0/rbac-policies?object_id=${net.id}`)).body.rbac_policies;
      let list = await policies();
      assert.equal(list.length, 1);
      assert.deepEqual([list[0].action, list[0].target_tenant, list[0].project_id], ['access_as_shared', '*', 'project-a']);
      assert.ok((await a.get(`/v2.0/rbac-policies?object_id=${net.id}`)).body.rbac_policies.length === 1, 'the owner owns the implicit policy');
      assert.equal((await c.get(`/v2.0/networks/${net.id}`)).body.network.shared, true);

      assert.equal((await t.admin.put(`/v2.0/networks/${net.id}`, { network: { shared: false } })).status, 200);
      assert.deepEqual(await policies(), []);
      assertError(await c.get(`/v2.0/networks/${net.id}`), 404, 'NetworkNotFound');

      const external = await t.admin.put(`/v2.0/networks/${net.id}`, { network: { 'router:external': true } });
      assert.equal(external.body.network['router:external'], true);
      list = await policies();
      assert.deepEqual(list.map((p: { action: string; target_tenant: string }) => [p.action, p.target_tenant]), [['access_as_external', '*']]);
      assert.equal((await c.get(`/v2.0/networks/${net.id}`)).body.network['router:external'], true);
      assert.equal((await c.get(`/v2.0/networks/${net.id}`)).body.network.shared, false);

      // External to one project only: still external, hidden from others.
      const toB = await t.admin.post('/v2.0/rbac-policies', share(net.id, 'project-b', 'access_as_external'));
      assert.equal(toB.status, 201);
      assert.equal((await t.admin.del(`/v2.0/rbac-policies/${list[0].id}`)).status, 204);
      assertError(await c.get(`/v2.0/networks/${net.id}`), 404, 'NetworkNotFound');
      assert.equal((await b.get(`/v2.0/networks/${net.id}`)).body.network['router:external'], true);
      // The last external grant gone, the network is no longer external.
      assert.equal((await t.admin.del(`/v2.0/rbac-policies/${toB.body.rbac_policy.id}`)).status, 204);
      assert.equal((await t.admin.get(`/v2.0/networks/${net.id}`)).body.network['router:external'], false);
      assertError(await b.get(`/v2.0/networks/${net.id}`), 404, 'NetworkNotFound');

      // Deleting the network deletes its policies.
      await t.admin.put(`/v2.0/networks/${net.id}`, { network: { shared: true } });
      assert.equal((await policies()).length, 1);
      assert.equal((await t.admin.del(`/v2.0/networks/${net.id}`)).status, 204);
      assert.deepEqual(await policies(), []);
    });

    it('refuses to withdraw access a project still uses (ports, subnets), until nothing depends on it', async () => {
      const net = await newNetwork(a, 'in-use');
      const subnet = (await a.post('/v2.0/subnets', { subnet: { network_id: net.id, ip_version: 4, cidr: '10.70.0.0/24' } })).body.subnet;
      const toB = (await a.post('/v2.0/rbac-policies', share(net.id, 'project-b'))).body.rbac_policy;
      assert.equal((await b.get(`/v2.0/subnets/${subnet.id}`)).status, 200, 'subnets of a network shared with B are visible to B');
      const subnetIds = async (client: ApiClient, query: string) => (await client.get(`/v2.0/subnets?${query}`)).body.subnets.map((x: { id: string }) => x.id);
      assert.ok((await subnetIds(b, 'shared=true')).includes(subnet.id), 'subnets filter on their network being shared');
      assert.ok(!(await subnetIds(b, 'shared=false')).includes(subnet.id));
      assert.ok((await subnetIds(a, 'shared=False')).includes(subnet.id));
      assert.equal((await a.get('/v2.0/subnets?shared=maybe')).status, 400);
      assertError(await c.get(`/v2.0/subnets/${subnet.id}`), 404, 'SubnetNotFound');
      assert.ok(!(await c.get('/v2.0/subnets')).body.subnets.some((x: { id: string }) => x.id === subnet.id));
      const port = await b.post('/v2.0/ports', { port: { network_id: net.id } });
      assert.equal(port.status, 201, JSON.stringify(port.body));
      assertError(await c.post('/v2.0/ports', { port: { network_id: net.id } }), 404, 'NetworkNotFound');

      assertError(await a.del(`/v2.0/rbac-policies/${toB.id}`), 409, 'RbacPolicyInUse');
      assertError(await a.put(`/v2.0/rbac-policies/${toB.id}`, { rbac_policy: { target_tenant: 'project-c' } }), 409, 'RbacPolicyInUse');
      assert.equal((await b.get(`/v2.0/networks/${net.id}`)).status, 200, 'the refused changes changed nothing');

      // A wildcard keeps B covered, so the specific grant can go; then the wildcard is the anchor.
      const wildcard = (await t.admin.post('/v2.0/rbac-policies', share(net.id, '*'))).body.rbac_policy;
      assert.equal((await a.del(`/v2.0/rbac-policies/${toB.id}`)).status, 204);
      assertError(await t.admin.del(`/v2.0/rbac-policies/${wildcard.id}`), 409, 'RbacPolicyInUse');
      assertError(await t.admin.put(`/v2.0/rbac-policies/${wildcard.id}`, { rbac_policy: { target_tenant: 'project-c' } }), 409, 'RbacPolicyInUse');
      assertError(await t.admin.put(`/v2.0/networks/${net.id}`, { network: { shared: false } }), 409, 'InvalidSharedSetting');
      assert.equal((await c.get(`/v2.0/networks/${net.id}`)).body.network.shared, true);

      // The network owner may delete other projects' ports on its network.
      assert.equal((await a.get(`/v2.0/ports/${port.body.port.id}`)).status, 200);
      assert.equal((await a.del(`/v2.0/ports/${port.body.port.id}`)).status, 204);
      assert.equal((await t.admin.put(`/v2.0/networks/${net.id}`, { network: { shared: false } })).status, 200);
      assertError(await b.get(`/v2.0/networks/${net.id}`), 404, 'NetworkNotFound');
    });

    it('never leaves a port behind on a network whose sharing was withdrawn concurrently', async () => {
      const net = await newNetwork(a, 'race');
      await a.post('/v2.0/subnets', { subnet: { network_id: net.id, ip_version: 4, cidr: '10.90.0.0/24' } });
      for (let round = 0; round < 6; round++) {
        const grant = (await a.post('/v2.0/rbac-policies', share(net.id, 'project-b'))).body.rbac_policy;
        const [port, withdrawal] = await Promise.all([b.post('/v2.0/ports', { port: { network_id: net.id } }), a.del(`/v2.0/rbac-policies/${grant.id}`)]);
        const portsOfB = (await t.admin.get(`/v2.0/ports?network_id=${net.id}&project_id=project-b`)).body.ports;
        if (withdrawal.status === 204) {
          assert.equal(port.status, 404, `round ${round}: the port lost the race`);
          assert.equal(portsOfB.length, 0);
        } else {
          assert.equal(withdrawal.body.NeutronError.type, 'RbacPolicyInUse');
          assert.equal(port.status, 201);
          assert.equal((await b.del(`/v2.0/ports/${port.body.port.id}`)).status, 204);
          assert.equal((await a.del(`/v2.0/rbac-policies/${grant.id}`)).status, 204);
        }
      }
    });

    it("lets the owner withdraw a grant to itself whatever uses the network", async () => {
      const net = await newNetwork(a, 'self-share');
      const self = (await a.post('/v2.0/rbac-policies', share(net.id, 'project-a'))).body.rbac_policy;
      assert.equal((await a.post('/v2.0/ports', { port: { network_id: net.id } })).status, 201);
      assert.equal((await a.put(`/v2.0/rbac-policies/${self.id}`, { rbac_policy: { target_tenant: 'project-b' } })).status, 200);
      assert.equal((await a.del(`/v2.0/rbac-policies/${self.id}`)).status, 204);
    });

    it('refuses to withdraw external access a router gateway uses', async () => {
      const ext = (await t.admin.post('/v2.0/networks', { network: { name: 'public', 'router:external': true } })).body.network;
      assert.equal((await t.admin.post('/v2.0/subnets', { subnet: { network_id: ext.id, ip_version: 4, cidr: '172.24.10.0/24', enable_dhcp: false } })).status, 201);
      const wildcard = (await t.admin.get(`/v2.0/rbac-policies?object_id=${ext.id}`)).body.rbac_policies[0];
      const router = await b.post('/v2.0/routers', { router: { name: 'b-gw', external_gateway_info: { network_id: ext.id } } });
      assert.equal(router.status, 201, JSON.stringify(router.body));
      assertError(await t.admin.del(`/v2.0/rbac-policies/${wildcard.id}`), 409, 'RbacPolicyInUse');
      assertError(await t.admin.put(`/v2.0/networks/${ext.id}`, { network: { 'router:external': false } }), 409, 'ExternalNetworkInUse');
      assert.equal((await c.get(`/v2.0/networks/${ext.id}`)).body.network['router:external'], true, 'nothing changed');
      assert.equal((await b.put(`/v2.0/routers/${router.body.router.id}`, { router: { external_gateway_info: {} } })).status, 200);
      assert.equal((await t.admin.put(`/v2.0/networks/${ext.id}`, { network: { 'router:external': false } })).status, 200);
      assertError(await c.get(`/v2.0/networks/${ext.id}`), 404, 'NetworkNotFound');
    });

    it('shares subnet pools the same way', async () => {
      const pool = (await a.post('/v2.0/subnetpools', { subnetpool: { name: 'a-pool', prefixes: ['10.80.0.0/16'], default_prefixlen: 24 } })).body.subnetpool;
      assertError(await b.get(`/v2.0/subnetpools/${pool.id}`), 404, 'SubnetPoolNotFound');
      const grant = await a.post('/v2.0/rbac-policies', { rbac_policy: { object_type: 'subnetpool', object_id: pool.id, action: 'access_as_shared', target_tenant: 'project-b' } });
      assert.equal(grant.status, 201, JSON.stringify(grant.body));
      const seen = (await b.get(`/v2.0/subnetpools/${pool.id}`)).body.subnetpool;
      assert.equal(seen.shared, true, 'shared as B sees it');
      assert.equal((await a.get(`/v2.0/subnetpools/${pool.id}`)).body.subnetpool.shared, false);
      assertError(await c.get(`/v2.0/subnetpools/${pool.id}`), 404, 'SubnetPoolNotFound');
      assertError(await a.post('/v2.0/rbac-policies', { rbac_policy: { object_type: 'subnetpool', object_id: pool.id, action: 'access_as_external', target_tenant: 'project-c' } }), 400, 'HTTPBadRequest');

      const netB = await newNetwork(b, 'b-net');
      const subnet = await b.post('/v2.0/subnets', { subnet: { network_id: netB.id, ip_version: 4, subnetpool_id: pool.id } });
      assert.equal(subnet.status, 201, JSON.stringify(subnet.body));
      assertError(await a.del(`/v2.0/rbac-policies/${grant.body.rbac_policy.id}`), 409, 'RbacPolicyInUse');
      assert.equal((await b.del(`/v2.0/subnets/${subnet.body.subnet.id}`)).status, 204);
      assert.equal((await a.del(`/v2.0/rbac-policies/${grant.body.rbac_policy.id}`)).status, 204);
      assertError(await b.get(`/v2.0/subnetpools/${pool.id}`), 404, 'SubnetPoolNotFound');

      const sharedPool = (await t.admin.post('/v2.0/subnetpools', { subnetpool: { name: 'all', prefixes: ['10.81.0.0/16'], shared: true } })).body.subnetpool;
      const implicit = (await t.admin.get(`/v2.0/rbac-policies?object_id=${sharedPool.id}`)).body.rbac_policies;
      assert.deepEqual(implicit.map((p: { object_type: string; target_tenant: string }) => [p.object_type, p.target_tenant]), [['subnetpool', '*']]);
      assert.equal((await c.get(`/v2.0/subnetpools/${sharedPool.id}`)).body.subnetpool.shared, true);
      const aliases = (await a.get('/v2.0/extensions')).body.extensions.map((e: { alias: string }) => e.alias);
      assert.ok(aliases.includes('rbac-subnetpool'));
    });

    it('lists the rbac-policies extension and counts policies against the quota', async () => {
      const aliases = (await a.get('/v2.0/extensions')).body.extensions.map((e: { alias: string }) => e.alias);
      assert.ok(aliases.includes('rbac-policies'));
      const q = t.client.as({ project: 'project-q', roles: 'member,reader' });
      const quota = (await q.get('/v2.0/quotas/project-q')).body.quota;
      assert.ok(quota.rbac_policy > 0);
      assert.equal((await t.admin.put('/v2.0/quotas/project-q', { quota: { rbac_policy: 2 } })).status, 200);
      const net = await newNetwork(q, 'quota');
      const results = [];
      for (const target of ['t1', 't2', 't3']) results.push(await q.post('/v2.0/rbac-policies', share(net.id, target)));
      assert.deepEqual(results.map((r) => r.status), [201, 201, 409]);
      assert.equal(results[2].body.NeutronError.type, 'OverQuota');
    });
  });
}
