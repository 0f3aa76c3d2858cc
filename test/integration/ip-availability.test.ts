// network-ip-availability through HTTP on SQLite and PostgreSQL: totals from allocation
// pools, used addresses from allocations, filters, admin-only visibility.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { dialects, startTestServer, type TestServer } from '../helpers/server.ts';

for (const dialect of dialects()) {
  describe(`network IP availability (${dialect})`, () => {
    let t: TestServer;
    before(async () => {
      t = await startTestServer(dialect);
    });
    after(async () => t?.close());

    it('counts pool addresses and allocations per subnet and network', async () => {
      const net = (await t.admin.post('/v2.0/networks', { network: { name: 'avail', project_id: 'project-av' } })).body.network;
      const v4 = (await t.admin.post('/v2.0/subnets', { subnet: { network_id: net.id, ip_version: 4, cidr: '10.50.0.0/24', allocation_pools: [{ start: '10.50.0.10', end: '10.50.0.19' }, { start: '10.50.0.100', end: '10.50.0.104' }] } })).body.subnet;
      const v6 = (await t.admin.post('/v2.0/subnets', { subnet: { network_id: net.id, ip_version: 6, cidr: '2001:db8:50::/120' } })).body.subnet;
      for (let i = 0; i < 3; i++) assert.equal((await t.admin.post('/v2.0/ports', { port: { network_id: net.id } })).status, 201);
      const empty = (await t.admin.post('/v2.0/networks', { network: { name: 'empty' } })).body.network;

      const one = await t.admin.get(`/v2.0/network-ip-availabilities/${net.id}`);
      assert.equal(one.status, 200, JSON.stringify(one.body));
      const a = one.body.network_ip_availability;
      assert.equal(a.network_id, net.id);
      assert.equal(a.network_name, 'avail');
      assert.equal(a.project_id, 'project-av');
      assert.equal(a.tenant_id, 'project-av');
      assert.equal(a.total_ips, 15 + 254);
      assert.equal(a.used_ips, 6, 'each port has one IPv4 and one IPv6 address');
      const bySubnet = Object.fromEntries(a.subnet_ip_availability.map((s: { subnet_id: string }) => [s.subnet_id, s]));
      assert.deepEqual(bySubnet[v4.id], { subnet_id: v4.id, subnet_name: '', cidr: '10.50.0.0/24', ip_version: 4, total_ips: 15, used_ips: 3 });
      assert.deepEqual(bySubnet[v6.id], { subnet_id: v6.id, subnet_name: '', cidr: '2001:db8:50::/120', ip_version: 6, total_ips: 254, used_ips: 3 });

      const all = (await t.admin.get('/v2.0/network-ip-availabilities')).body.network_ip_availabilities;
      const ids = all.map((x: { network_id: string }) => x.network_id);
      assert.ok(ids.includes(net.id) && ids.includes(empty.id));
      assert.deepEqual(all.find((x: { network_id: string }) => x.network_id === empty.id).subnet_ip_availability, []);
      const v4only = (await t.admin.get(`/v2.0/network-ip-availabilities?network_id=${net.id}&ip_version=4`)).body.network_ip_availabilities;
      assert.equal(v4only.length, 1);
      assert.equal(v4only[0].total_ips, 15);
      assert.equal(v4only[0].used_ips, 3);
      const byProject = (await t.admin.get('/v2.0/network-ip-availabilities?project_id=project-av&fields=network_id&fields=used_ips')).body.network_ip_availabilities;
      assert.deepEqual(byProject, [{ network_id: net.id, used_ips: 6 }]);
      const byName = (await t.admin.get('/v2.0/network-ip-availabilities?network_name=empty')).body.network_ip_availabilities;
      assert.deepEqual(byName.map((x: { network_id: string }) => x.network_id), [empty.id]);

      const missing = await t.admin.get('/v2.0/network-ip-availabilities/7d1a4c9e-0000-4000-8000-000000000000');
      assert.equal(missing.status, 404);
      assert.equal(missing.body.NeutronError.type, 'NetworkNotFound');
      const badFilter = await t.admin.get('/v2.0/network-ip-availabilities?colour=red');
      assert.equal(badFilter.status, 400);
      const aliases = (await t.admin.get('/v2.0/extensions')).body.extensions.map((e: { alias: string }) => e.alias);
      assert.ok(aliases.includes('network-ip-availability'));
    });

    it("does not show other projects' networks to a project", async () => {
      const net = (await t.admin.post('/v2.0/networks', { network: { name: 'secret', project_id: 'project-other' } })).body.network;
      const member = t.client;
      const list = (await member.get('/v2.0/network-ip-availabilities')).body.network_ip_availabilities ?? [];
      assert.ok(!list.some((x: { network_id: string }) => x.network_id === net.id));
      const one = await member.get(`/v2.0/network-ip-availabilities/${net.id}`);
      assert.ok(one.status === 404 || one.status === 403, String(one.status));
    });
  });
}
