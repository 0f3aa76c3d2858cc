// network-segment-range over HTTP on SQLite and PostgreSQL (paths as the CLI/SDK spell
// them: /v2.0/network-segment-ranges): validation, available/used, and tenant network
// allocation honouring a project's own ranges, then shared ones, never another
// project's; admin-only policy for a member, a reader and another project.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { dialects, startTestServer, type TestServer } from '../helpers/server.ts';

for (const dialect of dialects()) {
  describe(`network segment ranges (${dialect})`, () => {
    let t: TestServer;
    before(async () => {
      t = await startTestServer(dialect);
    });
    after(async () => t?.close());

    const segIdOf = async (networkId: string) => (await t.admin.get(`/v2.0/networks/${networkId}`)).body.network['provider:segmentation_id'];

    it('validates ranges', async () => {
      const cases: [Record<string, unknown>, number][] = [
        [{ network_type: 'vlan', minimum: 10, maximum: 20 }, 400],
        [{ network_type: 'vxlan', physical_network: 'physnet1', minimum: 10, maximum: 20 }, 400],
        [{ network_type: 'vlan', physical_network: 'physnet1', minimum: 10, maximum: 5000 }, 400],
        [{ network_type: 'vxlan', minimum: 30, maximum: 20 }, 400],
        [{ network_type: 'vxlan', minimum: 30, maximum: 40, shared: false }, 400],
        [{ network_type: 'flat', minimum: 1, maximum: 2 }, 400],
      ];
      for (const [body, status] of cases) {
        const res = await t.admin.post('/v2.0/network-segment-ranges', { network_segment_range: { name: 'bad', ...body } });
        assert.equal(res.status, status, `${JSON.stringify(body)} → ${JSON.stringify(res.body)}`);
      }
    });

    it('tenant networks take ids from their project’s range, then shared ones, never another project’s', async () => {
      const own = await t.admin.post('/v2.0/network-segment-ranges', {
        network_segment_range: { name: 'a-only', network_type: 'vxlan', minimum: 70000, maximum: 70001, shared: false, project_id: 'project-a' },
      });
      assert.equal(own.status, 201, JSON.stringify(own.body));
      assert.equal(own.body.network_segment_range.project_id, 'project-a');
      assert.equal(own.body.network_segment_range.default, false);
      assert.deepEqual(own.body.network_segment_range.available, [70000, 70001]);
      assert.deepEqual(own.body.network_segment_range.used, {});

      const aNet = (await t.client.post('/v2.0/networks', { network: { name: 'a1' } })).body.network;
      assert.equal(await segIdOf(aNet.id), 70000);
      const bClient = t.client.as({ project: 'project-b' });
      const bNet = (await bClient.post('/v2.0/networks', { network: { name: 'b1' } })).body.network;
      const bId = await segIdOf(bNet.id);
      assert.ok(bId < 70000 || bId > 70001, `project-b got ${bId}`);

      const shared = await t.admin.post('/v2.0/network-segment-ranges', { network_segment_range: { name: 'pool', network_type: 'vxlan', minimum: 80000, maximum: 80001 } });
      assert.equal(shared.status, 201, JSON.stringify(shared.body));
      assert.equal(shared.body.network_segment_range.shared, true);
      assert.equal(shared.body.network_segment_range.project_id, null);
      const bNet2 = (await bClient.post('/v2.0/networks', { network: { name: 'b2' } })).body.network;
      assert.equal(await segIdOf(bNet2.id), 80000, 'shared ranges before the configured ones');
      const aNet2 = (await t.client.post('/v2.0/networks', { network: { name: 'a2' } })).body.network;
      assert.equal(await segIdOf(aNet2.id), 70001, "the project's own range first");
      const aNet3 = (await t.client.post('/v2.0/networks', { network: { name: 'a3' } })).body.network;
      assert.equal(await segIdOf(aNet3.id), 80001, 'then the shared one');

      const shown = (await t.admin.get(`/v2.0/network-segment-ranges/${own.body.network_segment_range.id}`)).body.network_segment_range;
      assert.deepEqual(shown.used, { '70000': 'project-a', '70001': 'project-a' });
      assert.deepEqual(shown.available, []);
      assert.equal((await t.admin.get('/v2.0/network-segment-ranges?network_type=vxlan&shared=false')).body.network_segment_ranges.length, 1);

      const shrink = await t.admin.put(`/v2.0/network-segment-ranges/${own.body.network_segment_range.id}`, { network_segment_range: { maximum: 70000 } });
      assert.equal(shrink.status, 409, JSON.stringify(shrink.body));
      assert.equal(shrink.body.NeutronError.type, 'NetworkSegmentRangeReferencedByProject');
      const del = await t.admin.del(`/v2.0/network-segment-ranges/${own.body.network_segment_range.id}`);
      assert.equal(del.status, 409);
      const readOnly = await t.admin.put(`/v2.0/network-segment-ranges/${own.body.network_segment_range.id}`, { network_segment_range: { network_type: 'vlan' } });
      assert.equal(readOnly.status, 400);
      const renamed = await t.admin.put(`/v2.0/network-segment-ranges/${own.body.network_segment_range.id}`, { network_segment_range: { name: 'mine', maximum: 70005 } });
      assert.equal(renamed.status, 200);
      assert.deepEqual(renamed.body.network_segment_range.available, [70002, 70003, 70004, 70005]);

      for (const n of [aNet, aNet2, aNet3]) assert.equal((await t.client.del(`/v2.0/networks/${n.id}`)).status, 204);
      for (const n of [bNet, bNet2]) assert.equal((await bClient.del(`/v2.0/networks/${n.id}`)).status, 204);
      assert.equal((await t.admin.del(`/v2.0/network-segment-ranges/${own.body.network_segment_range.id}`)).status, 204);
      assert.equal((await t.admin.del(`/v2.0/network-segment-ranges/${shared.body.network_segment_range.id}`)).status, 204);
    });

    it('default policy: admin only', async () => {
      const range = (await t.admin.post('/v2.0/network-segment-ranges', { network_segment_range: { name: 'r', network_type: 'vxlan', minimum: 90000, maximum: 90001, shared: false, project_id: 'project-a' } })).body.network_segment_range;
      for (const c of [t.client, t.client.as({ roles: 'reader' }), t.client.as({ project: 'project-b', roles: 'member,reader' })]) {
        assert.deepEqual((await c.get('/v2.0/network-segment-ranges')).body.network_segment_ranges, []);
        assert.equal((await c.get(`/v2.0/network-segment-ranges/${range.id}`)).status, 404);
        assert.equal((await c.post('/v2.0/network-segment-ranges', { network_segment_range: { network_type: 'vxlan', minimum: 1, maximum: 2 } })).status, 403);
        assert.equal((await c.put(`/v2.0/network-segment-ranges/${range.id}`, { network_segment_range: { name: 'x' } })).status, 404);
        assert.equal((await c.del(`/v2.0/network-segment-ranges/${range.id}`)).status, 404);
      }
      assert.equal((await t.admin.del(`/v2.0/network-segment-ranges/${range.id}`)).status, 204);
    });
  });
}
