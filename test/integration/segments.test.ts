// Segments and routed networks (`segment`, `standard-attr-segment`,
// `subnet-segmentid-writable`, `l2_adjacency`) over HTTP on SQLite and PostgreSQL, with
// the paths and bodies the CLI and SDK send, and the default (admin-only) policy for a
// member, a reader and another project.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { dialects, startTestServer, type TestServer } from '../helpers/server.ts';

for (const dialect of dialects()) {
  describe(`segments (${dialect})`, () => {
    let t: TestServer;
    before(async () => {
      t = await startTestServer(dialect);
    });
    after(async () => t?.close());

    it('lists the aliases', async () => {
      const aliases = (await t.client.get('/v2.0/extensions')).body.extensions.map((e: { alias: string }) => e.alias);
      for (const alias of ['segment', 'standard-attr-segment', 'subnet-segmentid-writable', 'l2_adjacency', 'segments-peer-subnet-host-routes']) assert.ok(aliases.includes(alias), alias);
    });

    it('a routed network: segments with their own subnets, ids reserved, in-use rules', async () => {
      const net = (await t.admin.post('/v2.0/networks', { network: { name: 'routed', 'provider:network_type': 'vlan', 'provider:physical_network': 'physnet1', 'provider:segmentation_id': 2001 } })).body.network;
      assert.equal(net.l2_adjacency, true);
      const first = (await t.admin.get(`/v2.0/segments?network_id=${net.id}`)).body.segments;
      assert.equal(first.length, 1);
      assert.equal(first[0].network_type, 'vlan');
      assert.equal(first[0].physical_network, 'physnet1');
      assert.equal(first[0].segmentation_id, 2001);
      assert.ok(!('segment_index' in first[0]) && !('project_id' in first[0]));

      const created = await t.admin.post('/v2.0/segments', { segment: { network_id: net.id, network_type: 'vlan', physical_network: 'physnet1', name: 'leaf-2', description: 'rack 2' } });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      const seg2 = created.body.segment;
      assert.equal(seg2.name, 'leaf-2');
      assert.equal(seg2.description, 'rack 2');
      assert.ok(seg2.segmentation_id >= 1000 && seg2.segmentation_id <= 2999, 'allocated from network_vlan_ranges');
      assert.equal(seg2.revision_number, 0);
      assert.ok(seg2.created_at);
      assert.deepEqual(seg2.tags, []);

      const shown = (await t.admin.get(`/v2.0/networks/${net.id}`)).body.network;
      assert.equal(shown.segments.length, 2, 'multi-provider view of a network with two segments');
      assert.ok(!('provider:network_type' in shown));

      const taken = await t.admin.post('/v2.0/segments', { segment: { network_id: net.id, network_type: 'vlan', physical_network: 'physnet1', segmentation_id: 2001 } });
      assert.equal(taken.status, 409);
      assert.equal(taken.body.NeutronError.type, 'VlanIdInUse');
      const badType = await t.admin.post('/v2.0/segments', { segment: { network_id: net.id, network_type: 'gre' } });
      assert.equal(badType.status, 400);
      const badRange = await t.admin.post('/v2.0/segments', { segment: { network_id: net.id, network_type: 'vlan', physical_network: 'physnet1', segmentation_id: 5000 } });
      assert.equal(badRange.status, 400);
      const noNet = await t.admin.post('/v2.0/segments', { segment: { network_id: '0b4a3e5e-4f3c-4e59-8d43-6a3c2f1d9e11', network_type: 'vxlan' } });
      assert.equal(noNet.status, 404);
      assert.equal(noNet.body.NeutronError.type, 'NetworkNotFound');

      // Subnets per segment; all or none on segments.
      const sub1 = await t.admin.post('/v2.0/subnets', { subnet: { network_id: net.id, ip_version: 4, cidr: '10.100.1.0/24', segment_id: first[0].id } });
      assert.equal(sub1.status, 201, JSON.stringify(sub1.body));
      assert.equal(sub1.body.subnet.segment_id, first[0].id);
      const sub2 = await t.admin.post('/v2.0/subnets', { subnet: { network_id: net.id, ip_version: 4, cidr: '10.100.2.0/24', segment_id: seg2.id } });
      assert.equal(sub2.status, 201);
      // segments-peer-subnet-host-routes: each routes to the other segment's subnet through its own gateway.
      const routesOf = async (id: string) => (await t.admin.get(`/v2.0/subnets/${id}`)).body.subnet.host_routes;
      assert.deepEqual(await routesOf(sub1.body.subnet.id), [{ destination: '10.100.2.0/24', nexthop: '10.100.1.1' }]);
      assert.deepEqual(await routesOf(sub2.body.subnet.id), [{ destination: '10.100.1.0/24', nexthop: '10.100.2.1' }]);
      const noSeg = await t.admin.post('/v2.0/subnets', { subnet: { network_id: net.id, ip_version: 4, cidr: '10.100.3.0/24' } });
      assert.equal(noSeg.status, 400);
      assert.equal(noSeg.body.NeutronError.type, 'SubnetsNotAllAssociatedWithSegments');
      assert.equal((await t.admin.get(`/v2.0/networks/${net.id}`)).body.network.l2_adjacency, false);
      const move = await t.admin.put(`/v2.0/subnets/${sub2.body.subnet.id}`, { subnet: { segment_id: first[0].id } });
      assert.equal(move.status, 400);
      assert.equal(move.body.NeutronError.type, 'SubnetSegmentAssociationChangeNotAllowed');

      const inUse = await t.admin.del(`/v2.0/segments/${seg2.id}`);
      assert.equal(inUse.status, 409);
      assert.equal(inUse.body.NeutronError.type, 'SegmentInUse');

      // Standard attributes: updates of name/description bump the revision; tags.
      const renamed = await t.admin.put(`/v2.0/segments/${seg2.id}`, { segment: { name: 'leaf-two', description: 'r2' } });
      assert.equal(renamed.status, 200);
      assert.equal(renamed.body.segment.revision_number, 1);
      assert.equal((await t.admin.put(`/v2.0/segments/${seg2.id}`, { segment: { network_type: 'vxlan' } })).status, 400);
      assert.equal((await t.admin.put(`/v2.0/segments/${seg2.id}/tags/rack2`, undefined)).status, 201);
      assert.deepEqual((await t.admin.get(`/v2.0/segments?tags=rack2`)).body.segments.map((s: { id: string }) => s.id), [seg2.id]);

      assert.equal((await t.admin.del(`/v2.0/subnets/${sub2.body.subnet.id}`)).status, 204);
      assert.deepEqual(await routesOf(sub1.body.subnet.id), [], 'the route to a deleted peer goes with it');
      assert.equal((await t.admin.del(`/v2.0/segments/${seg2.id}`)).status, 204);
      // Its VLAN is free again.
      const again = await t.admin.post('/v2.0/segments', { segment: { network_id: net.id, network_type: 'vlan', physical_network: 'physnet1', segmentation_id: seg2.segmentation_id } });
      assert.equal(again.status, 201, JSON.stringify(again.body));
      assert.equal((await t.admin.del(`/v2.0/networks/${net.id}`)).status, 204);
      assert.equal((await t.admin.get(`/v2.0/segments?network_id=${net.id}`)).body.segments.length, 0, 'segments go with their network');
    });

    it('subnet-segmentid-writable: a subnet is put on its network’s only segment once', async () => {
      const net = (await t.admin.post('/v2.0/networks', { network: { name: 'to-route' } })).body.network;
      const [segment] = (await t.admin.get(`/v2.0/segments?network_id=${net.id}`)).body.segments;
      const subnet = (await t.admin.post('/v2.0/subnets', { subnet: { network_id: net.id, ip_version: 4, cidr: '10.101.0.0/24' } })).body.subnet;
      assert.equal(subnet.segment_id, null);
      const set = await t.admin.put(`/v2.0/subnets/${subnet.id}`, { subnet: { segment_id: segment.id } });
      assert.equal(set.status, 200, JSON.stringify(set.body));
      assert.equal(set.body.subnet.segment_id, segment.id);
      const off = await t.admin.put(`/v2.0/subnets/${subnet.id}`, { subnet: { segment_id: null } });
      assert.equal(off.status, 400);
      const foreign = (await t.admin.post('/v2.0/networks', { network: { name: 'other' } })).body.network;
      const [foreignSeg] = (await t.admin.get(`/v2.0/segments?network_id=${foreign.id}`)).body.segments;
      const sub2 = (await t.admin.post('/v2.0/subnets', { subnet: { network_id: foreign.id, ip_version: 4, cidr: '10.102.0.0/24' } })).body.subnet;
      const wrongNet = await t.admin.put(`/v2.0/subnets/${sub2.id}`, { subnet: { segment_id: segment.id } });
      assert.equal(wrongNet.status, 400);
      assert.equal((await t.admin.put(`/v2.0/subnets/${sub2.id}`, { subnet: { segment_id: foreignSeg.id } })).status, 200);
      for (const n of [net, foreign]) assert.equal((await t.admin.del(`/v2.0/networks/${n.id}`)).status, 204);
    });

    it('default policy: segments are the admin’s; a member, a reader and another project neither see nor change them', async () => {
      const net = (await t.client.post('/v2.0/networks', { network: { name: 'mine' } })).body.network;
      const [segment] = (await t.admin.get(`/v2.0/segments?network_id=${net.id}`)).body.segments;
      const subnet = (await t.client.post('/v2.0/subnets', { subnet: { network_id: net.id, ip_version: 4, cidr: '10.103.0.0/24' } })).body.subnet;
      for (const c of [t.client, t.client.as({ roles: 'reader' }), t.client.as({ project: 'project-b', roles: 'member,reader' })]) {
        assert.deepEqual((await c.get('/v2.0/segments')).body.segments, []);
        assert.equal((await c.get(`/v2.0/segments/${segment.id}`)).status, 404);
        const created = await c.post('/v2.0/segments', { segment: { network_id: net.id, network_type: 'vxlan' } });
        assert.equal(created.status, 403, JSON.stringify(created.body));
        assert.equal((await c.put(`/v2.0/segments/${segment.id}`, { segment: { name: 'x' } })).status, 404);
        assert.equal((await c.del(`/v2.0/segments/${segment.id}`)).status, 404);
      }
      const setByMember = await t.client.put(`/v2.0/subnets/${subnet.id}`, { subnet: { segment_id: segment.id } });
      assert.equal(setByMember.status, 403, 'update_subnet:segment_id is admin only');
      assert.equal((await t.client.del(`/v2.0/networks/${net.id}`)).status, 204);
    });
  });
}
