// subnet_onboard through HTTP on SQLite and PostgreSQL: PUT
// /v2.0/subnetpools/{id}/onboard_network_subnets moves a network's subnets into a pool,
// with Neutron's validation, errors and policy (the pool's owner, a reader, another project).
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { dialects, startTestServer, type ApiClient, type TestServer } from '../helpers/server.ts';

async function networkWith(c: ApiClient, cidrs: string[]): Promise<{ networkId: string; subnets: { id: string; cidr: string }[] }> {
  const net = (await c.post('/v2.0/networks', { network: { name: 'legacy' } })).body.network;
  const subnets = [];
  for (const cidr of cidrs) {
    const res = await c.post('/v2.0/subnets', { subnet: { network_id: net.id, ip_version: cidr.includes(':') ? 6 : 4, cidr } });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    subnets.push({ id: res.body.subnet.id, cidr: res.body.subnet.cidr });
  }
  return { networkId: net.id, subnets };
}

const onboard = (c: ApiClient, poolId: string, body: unknown) => c.put(`/v2.0/subnetpools/${poolId}/onboard_network_subnets`, body);

for (const dialect of dialects()) {
  describe(`subnet_onboard (${dialect})`, () => {
    let t: TestServer;
    before(async () => {
      t = await startTestServer(dialect);
    });
    after(async () => t?.close());

    it('is listed as Neutron Zed lists it', async () => {
      const ext = (await t.client.get('/v2.0/extensions/subnet_onboard')).body.extension;
      assert.equal(ext.name, 'Subnet Onboard');
      assert.equal(ext.updated, '2018-12-18T09:00:00-00:00');
    });

    it("moves the network's subnets of the pool's IP version into the pool and grows its prefixes", async () => {
      const pool = (await t.client.post('/v2.0/subnetpools', { subnetpool: { name: 'p', prefixes: ['10.90.0.0/16'] } })).body.subnetpool;
      const { networkId, subnets } = await networkWith(t.client, ['192.168.10.0/24', '192.168.11.0/24', '2001:db8:90::/64']);
      const res = await onboard(t.client, pool.id, { network_id: networkId });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      const v4 = subnets.filter((s) => !s.cidr.includes(':'));
      assert.deepEqual([...res.body].sort((a, b) => a.cidr.localeCompare(b.cidr)), v4);
      const after = (await t.client.get(`/v2.0/subnetpools/${pool.id}`)).body.subnetpool;
      assert.deepEqual(after.prefixes, ['10.90.0.0/16', '192.168.10.0/23']);
      assert.equal(after.revision_number, pool.revision_number + 1);
      for (const s of v4) {
        const subnet = (await t.client.get(`/v2.0/subnets/${s.id}`)).body.subnet;
        assert.equal(subnet.subnetpool_id, pool.id);
        assert.equal(subnet.revision_number, 1);
      }
      assert.equal((await t.client.get(`/v2.0/subnets/${subnets[2].id}`)).body.subnet.subnetpool_id, null);
      // The pool now allocates around them, and refuses to be shrunk under them.
      const next = await t.client.post('/v2.0/subnets', { subnet: { network_id: networkId, ip_version: 4, subnetpool_id: pool.id, cidr: '192.168.10.128/25' } });
      assert.equal(next.status, 409, 'the prefix is allocated to an onboarded subnet');
      assert.equal(next.body.NeutronError.type, 'SubnetAllocationError');
      const remove = await t.client.put(`/v2.0/subnetpools/${pool.id}/remove_prefixes`, { prefixes: ['192.168.10.0/24'] });
      assert.equal(remove.status, 400);
      // Onboarding again: the subnets are the pool's already.
      const again = await onboard(t.client, pool.id, { network_id: networkId });
      assert.equal(again.status, 400);
      assert.equal(again.body.NeutronError.type, 'IllegalSubnetPoolUpdate');
    });

    it('refuses subnets overlapping the pool allocations, and moves nothing then', async () => {
      const pool = (await t.client.post('/v2.0/subnetpools', { subnetpool: { name: 'p2', prefixes: ['172.16.0.0/16'] } })).body.subnetpool;
      const inPool = await networkWith(t.client, []);
      const allocated = await t.client.post('/v2.0/subnets', { subnet: { network_id: inPool.networkId, ip_version: 4, subnetpool_id: pool.id, cidr: '172.16.5.0/24' } });
      assert.equal(allocated.status, 201, JSON.stringify(allocated.body));
      const { networkId, subnets } = await networkWith(t.client, ['10.99.0.0/24', '172.16.5.0/25']);
      const res = await onboard(t.client, pool.id, { network_id: networkId });
      assert.equal(res.status, 400);
      assert.equal(res.body.NeutronError.type, 'IllegalSubnetPoolUpdate');
      assert.match(res.body.NeutronError.message, /conflicts with allocated prefixes/);
      assert.deepEqual((await t.client.get(`/v2.0/subnetpools/${pool.id}`)).body.subnetpool.prefixes, ['172.16.0.0/16']);
      for (const s of subnets) assert.equal((await t.client.get(`/v2.0/subnets/${s.id}`)).body.subnet.subnetpool_id, null);
      // A subnet of another pool is not taken from it.
      const other = (await t.client.post('/v2.0/subnetpools', { subnetpool: { name: 'p3', prefixes: ['10.200.0.0/16'] } })).body.subnetpool;
      assert.equal((await onboard(t.client, other.id, { network_id: inPool.networkId })).status, 400);
    });

    it('validates the request: network_id required, a UUID, an existing network, an existing pool', async () => {
      const pool = (await t.client.post('/v2.0/subnetpools', { subnetpool: { name: 'p4', prefixes: ['10.150.0.0/16'] } })).body.subnetpool;
      const missing = await onboard(t.client, pool.id, {});
      assert.equal(missing.status, 400);
      assert.equal(missing.body.NeutronError.type, 'InvalidInput');
      assert.equal((await onboard(t.client, pool.id, { network_id: 'nope' })).status, 400);
      const noNet = await onboard(t.client, pool.id, { network_id: '00000000-0000-0000-0000-000000000001' });
      assert.equal(noNet.status, 404);
      assert.equal(noNet.body.NeutronError.type, 'NetworkNotFound');
      const { networkId } = await networkWith(t.client, ['10.151.0.0/24']);
      const noPool = await onboard(t.client, '00000000-0000-0000-0000-000000000002', { network_id: networkId });
      assert.equal(noPool.status, 404);
      assert.equal(noPool.body.NeutronError.type, 'SubnetPoolNotFound');
      // A network without subnets of the pool's version: nothing to do.
      const empty = await networkWith(t.client, []);
      const none = await onboard(t.client, pool.id, { network_id: empty.networkId });
      assert.equal(none.status, 200);
      assert.deepEqual(none.body, []);
    });

    it("policy: a reader may not onboard; another project sees neither the pool nor the network", async () => {
      const pool = (await t.client.post('/v2.0/subnetpools', { subnetpool: { name: 'p5', prefixes: ['10.160.0.0/16'] } })).body.subnetpool;
      const { networkId } = await networkWith(t.client, ['10.161.0.0/24']);
      const reader = await onboard(t.client.as({ roles: 'reader' }), pool.id, { network_id: networkId });
      assert.equal(reader.status, 403);
      assert.equal(reader.body.NeutronError.type, 'PolicyNotAuthorized');
      const other = t.client.as({ project: 'project-b' });
      assert.equal((await onboard(other, pool.id, { network_id: networkId })).status, 404);
      const theirPool = (await other.post('/v2.0/subnetpools', { subnetpool: { name: 'theirs', prefixes: ['10.170.0.0/16'] } })).body.subnetpool;
      const res = await onboard(other, theirPool.id, { network_id: networkId });
      assert.equal(res.status, 404);
      assert.equal(res.body.NeutronError.type, 'NetworkNotFound');
      assert.equal((await t.admin.put(`/v2.0/subnetpools/${pool.id}/onboard_network_subnets`, { network_id: networkId })).status, 200);
    });
  });
}
