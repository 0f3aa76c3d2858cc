// Issue 10's client-visible mismatches, over HTTP on SQLite and PostgreSQL, with the paths
// and payloads as the CLI and the SDK send them: collection paths and GET /v2.0 links,
// pagination's last page, numbers beyond 2^53, prefix lengths as strings, and the 409s,
// 400s and acceptances Neutron answers.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { dialects, startTestServer, type TestServer } from '../helpers/server.ts';
import { externalNetwork, networkWithSubnet } from '../helpers/l3.ts';

for (const dialect of dialects()) {
  describe(`client-visible mismatches (${dialect})`, () => {
    let t: TestServer;
    before(async () => {
      t = await startTestServer(dialect);
    });
    after(async () => t?.close());

    it('serves address scopes and floating IP pools at the paths clients use', async () => {
      const created = await t.client.post('/v2.0/address-scopes', { address_scope: { name: 'cli', ip_version: 4 } });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      const id = created.body.address_scope.id;
      assert.equal((await t.client.get(`/v2.0/address-scopes/${id}`)).status, 200);
      assert.equal((await t.client.get('/v2.0/address-scopes')).body.address_scopes.length, 1);
      assert.equal((await t.client.get('/v2.0/address_scopes')).status, 404, 'the underscore path is not Neutron’s');
      assert.equal((await t.client.del(`/v2.0/address-scopes/${id}`)).status, 204);
      const pools = await t.client.get('/v2.0/floatingip-pools');
      assert.equal(pools.status, 200);
      assert.deepEqual(pools.body.floatingip_pools, []);
      assert.equal((await t.client.get('/v2.0/floatingip_pools')).status, 404);
    });

    it('GET /v2.0 advertises only links that answer', async () => {
      const index = await t.client.get('/v2.0');
      assert.equal(index.status, 200);
      const resources = index.body.resources as { collection: string; links: { href: string }[] }[];
      assert.ok(resources.some((r) => r.collection === 'security_groups'));
      for (const r of resources) {
        const href = r.links[0].href;
        const path = new URL(href).pathname;
        const res = await t.admin.get(path);
        assert.equal(res.status, 200, `${r.collection} → ${path} answers ${res.status}`);
        assert.ok(Array.isArray(res.body[r.collection]), `${path} lists ${r.collection}`);
      }
    });

    it('the empty page after the last one still links to the previous page', async () => {
      const ids: string[] = [];
      for (const name of ['pg-1', 'pg-2']) ids.push((await t.client.post('/v2.0/networks', { network: { name } })).body.network.id);
      const last = [...ids].sort().at(-1)!;
      const page = await t.client.get(`/v2.0/networks?limit=2&sort_key=id&sort_dir=asc&marker=${last}`);
      assert.equal(page.status, 200);
      assert.deepEqual(page.body.networks, []);
      const links = page.body.networks_links as { rel: string; href: string }[];
      const previous = links.find((l) => l.rel === 'previous');
      assert.ok(previous, JSON.stringify(page.body));
      assert.ok(!links.some((l) => l.rel === 'next'));
      const back = await t.client.get(new URL(previous.href).pathname + new URL(previous.href).search);
      assert.deepEqual(back.body.networks.map((n: { id: string }) => n.id).sort(), [...ids].sort());
      for (const id of ids) await t.client.del(`/v2.0/networks/${id}`);
    });

    it('If-Match: revision_number=-1 answers 412', async () => {
      const net = (await t.client.post('/v2.0/networks', { network: { name: 'rev' } })).body.network;
      const res = await t.client.put(`/v2.0/networks/${net.id}`, { network: { name: 'x' } }, { headers: { 'if-match': 'revision_number=-1' } });
      assert.equal(res.status, 412, JSON.stringify(res.body));
      assert.equal(res.body.NeutronError.type, 'RevisionNumberConstraintFailed');
      const bad = await t.client.put(`/v2.0/networks/${net.id}`, { network: { name: 'x' } }, { headers: { 'if-match': 'revision_number=abc' } });
      assert.equal(bad.status, 400);
      await t.client.del(`/v2.0/networks/${net.id}`);
    });

    it('IPv6 total_ips beyond 2^53 is exact', async () => {
      const net = (await t.admin.post('/v2.0/networks', { network: { name: 'v6-big' } })).body.network;
      const sub = await t.admin.post('/v2.0/subnets', { subnet: { network_id: net.id, ip_version: 6, cidr: '2001:db8:1::/64' } });
      assert.equal(sub.status, 201, JSON.stringify(sub.body));
      const res = await fetch(`${t.url}/v2.0/network-ip-availabilities/${net.id}`, { headers: { 'x-project-id': 'admin-project', 'x-roles': 'admin' } });
      const text = await res.text();
      assert.equal(res.status, 200, text);
      // 2^64 - 2: the subnet's pool leaves out the router address and the subnet-router anycast (as Neutron).
      assert.match(text, /"total_ips":18446744073709551614[,}]/, text);
      assert.doesNotMatch(text, /18446744073709552000/);
      await t.admin.del(`/v2.0/networks/${net.id}`);
    });

    it('subnet pools render their prefix lengths as strings', async () => {
      const pool = (await t.client.post('/v2.0/subnetpools', { subnetpool: { name: 'strs', prefixes: ['10.90.0.0/16'], default_prefixlen: 24 } })).body.subnetpool;
      assert.deepEqual([pool.default_prefixlen, pool.min_prefixlen, pool.max_prefixlen], ['24', '8', '32']);
      const shown = (await t.client.get(`/v2.0/subnetpools/${pool.id}`)).body.subnetpool;
      assert.equal(shown.default_prefixlen, '24');
      assert.equal((await t.client.get('/v2.0/subnetpools?default_prefixlen=24')).body.subnetpools.length, 1, 'still filtered as an integer');
      await t.client.del(`/v2.0/subnetpools/${pool.id}`);
    });

    it('quota limits above 2^31-1 are refused with 400', async () => {
      const res = await t.admin.put('/v2.0/quotas/project-q', { quota: { network: 2 ** 31 } });
      assert.equal(res.status, 400);
      assert.equal((await t.admin.put('/v2.0/quotas/project-q', { quota: { network: 2 ** 31 - 1 } })).status, 200);
      await t.admin.del('/v2.0/quotas/project-q');
    });

    it('a port update naming a security group twice is refused with 400', async () => {
      const net = (await t.client.post('/v2.0/networks', { network: { name: 'sg-dup' } })).body.network;
      const sg = (await t.client.post('/v2.0/security-groups', { security_group: { name: 'dup' } })).body.security_group;
      const port = (await t.client.post('/v2.0/ports', { port: { network_id: net.id } })).body.port;
      const res = await t.client.put(`/v2.0/ports/${port.id}`, { port: { security_groups: [sg.id, sg.id] } });
      assert.equal(res.status, 400, JSON.stringify(res.body));
      assert.match(res.body.NeutronError.message, /Duplicate items in the list/);
      assert.equal((await t.client.post('/v2.0/ports', { port: { network_id: net.id, security_groups: [sg.id, sg.id] } })).status, 400);
      assert.equal((await t.client.put(`/v2.0/ports/${port.id}`, { port: { security_groups: [sg.id] } })).status, 200);
      await t.client.del(`/v2.0/ports/${port.id}`);
      await t.client.del(`/v2.0/networks/${net.id}`);
      await t.client.del(`/v2.0/security-groups/${sg.id}`);
    });

    it('floating IPs: 409 on deleting one with port forwardings and on forwarding to a fixed IP that has one; an empty update disassociates', async () => {
      const ext = await externalNetwork(t.admin, '198.51.100.0/24');
      const inner = await networkWithSubnet(t.client, '10.91.0.0/24');
      const router = (await t.client.post('/v2.0/routers', { router: { name: 'r', external_gateway_info: { network_id: ext.network.id } } })).body.router;
      assert.equal((await t.client.put(`/v2.0/routers/${router.id}/add_router_interface`, { subnet_id: inner.subnet.id })).status, 200);
      const port = (await t.client.post('/v2.0/ports', { port: { network_id: inner.network.id } })).body.port;
      const fixedIp = port.fixed_ips[0].ip_address;

      const fwdFip = (await t.client.post('/v2.0/floatingips', { floatingip: { floating_network_id: ext.network.id } })).body.floatingip;
      const pf = await t.client.post(`/v2.0/floatingips/${fwdFip.id}/port_forwardings`, {
        port_forwarding: { protocol: 'tcp', internal_ip_address: fixedIp, internal_port: 22, internal_port_id: port.id, external_port: 2222 },
      });
      assert.equal(pf.status, 201, JSON.stringify(pf.body));
      const inUse = await t.client.del(`/v2.0/floatingips/${fwdFip.id}`);
      assert.equal(inUse.status, 409);
      assert.equal(inUse.body.NeutronError.type, 'FipInUseByPortForwarding');
      assert.equal((await t.client.del(`/v2.0/floatingips/${fwdFip.id}/port_forwardings/${pf.body.port_forwarding.id}`)).status, 204);

      const assoc = (await t.client.post('/v2.0/floatingips', { floatingip: { floating_network_id: ext.network.id, port_id: port.id } })).body.floatingip;
      assert.equal(assoc.port_id, port.id);
      const toBound = await t.client.post(`/v2.0/floatingips/${fwdFip.id}/port_forwardings`, {
        port_forwarding: { protocol: 'tcp', internal_ip_address: fixedIp, internal_port: 80, internal_port_id: port.id, external_port: 8080 },
      });
      assert.equal(toBound.status, 409, JSON.stringify(toBound.body));
      assert.equal(toBound.body.NeutronError.type, 'PortHasBindingFloatingIP');

      const described = await t.client.put(`/v2.0/floatingips/${assoc.id}`, { floatingip: { description: 'kept' } });
      assert.equal(described.body.floatingip.port_id, port.id, 'a description change keeps the association');
      const cleared = await t.client.put(`/v2.0/floatingips/${assoc.id}`, { floatingip: {} });
      assert.equal(cleared.status, 200, JSON.stringify(cleared.body));
      assert.equal(cleared.body.floatingip.port_id, null);
      assert.equal(cleared.body.floatingip.fixed_ip_address, null);
      assert.equal(cleared.body.floatingip.status, 'DOWN');

      for (const fip of [assoc, fwdFip]) assert.equal((await t.client.del(`/v2.0/floatingips/${fip.id}`)).status, 204);
      await t.client.del(`/v2.0/ports/${port.id}`);
      await t.client.put(`/v2.0/routers/${router.id}/remove_router_interface`, { subnet_id: inner.subnet.id });
      await t.client.del(`/v2.0/routers/${router.id}`);
      await t.client.del(`/v2.0/networks/${inner.network.id}`);
      await t.admin.del(`/v2.0/networks/${ext.network.id}`);
    });

    it("the default external network's wildcard access_as_external policy cannot be deleted or narrowed", async () => {
      const ext = await externalNetwork(t.admin, '203.0.113.0/24', { is_default: true });
      const policies = (await t.admin.get(`/v2.0/rbac-policies?object_id=${ext.network.id}&action=access_as_external`)).body.rbac_policies;
      assert.equal(policies.length, 1);
      assert.equal(policies[0].target_tenant, '*');
      const del = await t.admin.del(`/v2.0/rbac-policies/${policies[0].id}`);
      assert.equal(del.status, 409, JSON.stringify(del.body));
      assert.equal(del.body.NeutronError.type, 'RbacPolicyInUse');
      const narrowed = await t.admin.put(`/v2.0/rbac-policies/${policies[0].id}`, { rbac_policy: { target_tenant: 'project-a' } });
      assert.equal(narrowed.status, 409);
      assert.equal((await t.admin.get(`/v2.0/networks/${ext.network.id}`)).body.network['router:external'], true);
      // Not the default any more: the policy may go.
      assert.equal((await t.admin.put(`/v2.0/networks/${ext.network.id}`, { network: { is_default: false } })).status, 200);
      assert.equal((await t.admin.del(`/v2.0/rbac-policies/${policies[0].id}`)).status, 204);
      assert.equal((await t.admin.del(`/v2.0/networks/${ext.network.id}`)).status, 204);
    });

    it('subnet pools in address scopes: sharing needs access to the scope; prefixes inside another project’s scope are the owner’s', async () => {
      const scope = (await t.admin.post('/v2.0/address-scopes', { address_scope: { name: 'owned-by-admin', ip_version: 4 } })).body.address_scope;
      const grant = await t.admin.post('/v2.0/rbac-policies', { rbac_policy: { object_type: 'address_scope', object_id: scope.id, action: 'access_as_shared', target_tenant: 'project-a' } });
      assert.equal(grant.status, 201);
      const pool = await t.client.post('/v2.0/subnetpools', { subnetpool: { name: 'in-shared', prefixes: ['10.92.0.0/16'], default_prefixlen: 24, address_scope_id: scope.id } });
      assert.equal(pool.status, 201, JSON.stringify(pool.body));
      const poolId = pool.body.subnetpool.id;

      const toB = await t.client.post('/v2.0/rbac-policies', { rbac_policy: { object_type: 'subnetpool', object_id: poolId, action: 'access_as_shared', target_tenant: 'project-b' } });
      assert.equal(toB.status, 400, JSON.stringify(toB.body));
      const toAll = await t.admin.post('/v2.0/rbac-policies', { rbac_policy: { object_type: 'subnetpool', object_id: poolId, action: 'access_as_shared', target_tenant: '*' } });
      assert.equal(toAll.status, 400);

      const grown = await t.client.put(`/v2.0/subnetpools/${poolId}`, { subnetpool: { prefixes: ['10.92.0.0/16', '10.93.0.0/16'] } });
      assert.equal(grown.status, 400, JSON.stringify(grown.body));
      assert.equal(grown.body.NeutronError.type, 'IllegalSubnetPoolUpdate');
      const added = await t.client.put(`/v2.0/subnetpools/${poolId}/add_prefixes`, { prefixes: ['10.93.0.0/16'] });
      assert.equal(added.status, 400);
      assert.equal((await t.client.put(`/v2.0/subnetpools/${poolId}`, { subnetpool: { name: 'renamed' } })).status, 200, 'other attributes stay the project’s');
      assert.equal((await t.admin.put(`/v2.0/subnetpools/${poolId}`, { subnetpool: { prefixes: ['10.92.0.0/16', '10.93.0.0/16'] } })).status, 200);

      // Once project-b may use the scope, the pool may be shared with it.
      assert.equal((await t.admin.post('/v2.0/rbac-policies', { rbac_policy: { object_type: 'address_scope', object_id: scope.id, action: 'access_as_shared', target_tenant: 'project-b' } })).status, 201);
      assert.equal((await t.client.post('/v2.0/rbac-policies', { rbac_policy: { object_type: 'subnetpool', object_id: poolId, action: 'access_as_shared', target_tenant: 'project-b' } })).status, 201);
      assert.equal((await t.client.del(`/v2.0/subnetpools/${poolId}`)).status, 204);
    });
  });
}
