// Generated MAC addresses stay unique per network even when the random space is crowded:
// with base_mac fa:16:3e:4f:00:00 only 16 bits are random, so 1,000 ports in two bulk
// requests would collide several times (birthday bound); every port must still be created.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { dialects, startTestServer, type TestServer } from '../helpers/server.ts';

for (const dialect of dialects()) {
  describe(`generated MAC addresses in a crowded space (${dialect})`, () => {
    let t: TestServer;
    before(async () => {
      t = await startTestServer(dialect, { 'network.base_mac': 'fa:16:3e:4f:00:00' });
    });
    after(async () => t?.close());

    it('creates 1,000 ports in bulk with distinct MACs from the base', async () => {
      await t.admin.put('/v2.0/quotas/admin-project', { quota: { port: -1 } });
      const net = (await t.admin.post('/v2.0/networks', { network: { name: 'crowded' } })).body.network;
      const subnet = await t.admin.post('/v2.0/subnets', { subnet: { network_id: net.id, ip_version: 4, cidr: '10.20.0.0/20' } });
      assert.equal(subnet.status, 201);
      const macs: string[] = [];
      for (let round = 0; round < 2; round++) {
        const res = await t.admin.post('/v2.0/ports', { ports: Array.from({ length: 500 }, () => ({ network_id: net.id })) });
        assert.equal(res.status, 201, JSON.stringify(res.body));
        macs.push(...res.body.ports.map((p: { mac_address: string }) => p.mac_address));
      }
      assert.equal(new Set(macs).size, 1000);
      assert.ok(macs.every((m) => m.startsWith('fa:16:3e:4f:')));
    });
  });
}
