// Tenant segmentation ids (segment-allocator.ts searches from where its last search ended and
// wraps around): over a whole range every id is handed out once, ids freed behind the search
// are found again, another project's reserved range is skipped, two API servers on one
// database (each with its own hint) never collide, and a full range answers 503
// NoNetworkAvailable. On SQLite and PostgreSQL.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startService, type RunningService } from '../../src/service.ts';
import { ApiClient, dialects, startTestServer, type TestServer } from '../helpers/server.ts';

for (const dialect of dialects()) {
  describe(`tenant segment allocation (${dialect})`, () => {
    let t: TestServer;
    let second: RunningService;
    before(async () => {
      t = await startTestServer(dialect, { 'network.vni_ranges': ['1:150'], 'quotas.network': -1 });
      second = await startService({ ...t.config, api: { ...t.config.api, port: 0 } });
    });
    after(async () => {
      await second?.close();
      await t?.close();
    });

    it('hands out every free id of the range once, across servers, then 503', async () => {
      const servers = [t.admin, new ApiClient(second.url, t.admin.defaults)];
      const reserved = await t.admin.post('/v2.0/network-segment-ranges', {
        network_segment_range: { name: 'b-only', network_type: 'vxlan', minimum: 140, maximum: 145, shared: false, project_id: 'project-b' },
      });
      assert.equal(reserved.status, 201, JSON.stringify(reserved.body));

      const held = new Map<number, string>(); // segmentation id → network id
      const take = (network: { id: string; 'provider:segmentation_id': number }) => {
        const id = network['provider:segmentation_id'];
        assert.ok(!held.has(id), `segmentation id ${id} handed out twice`);
        held.set(id, network.id);
      };
      // More than one batch of the search (64 ids) in one request.
      const bulk = await t.admin.post('/v2.0/networks', { networks: Array.from({ length: 130 }, (_, i) => ({ name: `n${i}` })) });
      assert.equal(bulk.status, 201, JSON.stringify(bulk.body));
      for (const n of bulk.body.networks) take(n);
      // The other server's first search starts at the range's start: it reads past all of them.
      const next = await servers[1].post('/v2.0/networks', { network: { name: 'second' } });
      assert.equal(next.status, 201, JSON.stringify(next.body));
      take(next.body.network);
      // Free two ids behind where both searches stand, one on each server.
      for (const [i, id] of [5, 70].entries()) {
        assert.ok(held.has(id));
        assert.equal((await servers[i].del(`/v2.0/networks/${held.get(id)}`)).status, 204);
        held.delete(id);
      }
      // One server fills the rest: the end of the range, then (wrapping) the freed ids.
      for (let i = 0; ; i++) {
        const res = await servers[0].post('/v2.0/networks', { network: { name: `m${i}` } });
        if (res.status === 503) {
          assert.equal(res.body.NeutronError.type, 'NoNetworkAvailable');
          break;
        }
        assert.equal(res.status, 201, JSON.stringify(res.body));
        take(res.body.network);
      }
      const expected = Array.from({ length: 150 }, (_, i) => i + 1).filter((id) => id < 140 || id > 145);
      assert.deepEqual([...held.keys()].sort((a, b) => a - b), expected);
      const other = await servers[1].post('/v2.0/networks', { network: { name: 'none-left' } });
      assert.equal(other.status, 503);
    });
  });
}
