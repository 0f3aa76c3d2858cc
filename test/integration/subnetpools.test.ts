// Subnet pools through HTTP on SQLite and PostgreSQL: prefixes, bounds, default pools,
// subnet allocation (any prefix, a given prefix, the default pool), prefix quotas, the
// add/remove prefix actions and deletion rules.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { dialects, startTestServer, type ApiClient, type TestServer } from '../helpers/server.ts';

const pool = async (c: ApiClient, body: Record<string, unknown>) => c.post('/v2.0/subnetpools', { subnetpool: { name: 'pool', ...body } });

for (const dialect of dialects()) {
  describe(`subnet pools (${dialect})`, () => {
    let t: TestServer;
    before(async () => {
      t = await startTestServer(dialect);
    });
    after(async () => t?.close());

    it('normalizes prefixes and applies Neutron defaults and bounds', async () => {
      const res = await pool(t.client, { prefixes: ['10.60.1.0/24', '10.60.0.0/24', '10.60.0.128/25'] });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      const p = res.body.subnetpool;
      assert.deepEqual(p.prefixes, ['10.60.0.0/23']);
      assert.equal(p.ip_version, 4);
      // Strings, as Neutron renders them.
      assert.equal(p.min_prefixlen, '8');
      assert.equal(p.max_prefixlen, '32');
      assert.equal(p.default_prefixlen, '8');
      assert.equal(p.shared, false);
      assert.equal(p.is_default, false);
      assert.equal(p.default_quota, null);
      assert.equal(p.address_scope_id, null);
      const v6 = (await pool(t.client, { prefixes: ['2001:DB8:60::/48'] })).body.subnetpool;
      assert.deepEqual([v6.prefixes, v6.ip_version, v6.min_prefixlen, v6.max_prefixlen, v6.default_prefixlen], [['2001:db8:60::/48'], 6, '64', '128', '64']);
      const cases: [Record<string, unknown>, number, string][] = [
        [{ prefixes: [] }, 400, 'EmptySubnetPoolPrefixList'],
        [{ prefixes: ['10.0.0.0/8', '2001:db8::/32'] }, 400, 'PrefixVersionMismatch'],
        [{ prefixes: ['10.0.0.0/8'], min_prefixlen: 28, max_prefixlen: 24 }, 400, 'IllegalSubnetPoolPrefixBounds'],
        [{ prefixes: ['10.0.0.0/8'], max_prefixlen: 33 }, 400, 'IllegalSubnetPoolPrefixBounds'],
        [{ prefixes: ['10.0.0.0/8'], min_prefixlen: 16, default_prefixlen: 12 }, 400, 'IllegalSubnetPoolPrefixBounds'],
        [{ prefixes: ['not-a-cidr'] }, 400, 'HTTPBadRequest'],
        [{ prefixes: ['10.0.0.0/8'], shared: true }, 403, 'PolicyNotAuthorized'],
      ];
      for (const [body, status, type] of cases) {
        const r = await pool(t.client, body);
        assert.equal(r.status, status, `${JSON.stringify(body)} → ${JSON.stringify(r.body)}`);
        assert.equal(r.body.NeutronError.type, type);
      }
      const noName = await t.client.post('/v2.0/subnetpools', { subnetpool: { prefixes: ['10.0.0.0/8'] } });
      assert.equal(noName.status, 400);
    });

    it('allocates subnets from a pool: any prefix, a given size, a given CIDR', async () => {
      const p = (await pool(t.client, { prefixes: ['10.61.0.0/16'], default_prefixlen: 24, min_prefixlen: 20, max_prefixlen: 28 })).body.subnetpool;
      const net = (await t.client.post('/v2.0/networks', { network: {} })).body.network;
      const sub = (body: Record<string, unknown>) => t.client.post('/v2.0/subnets', { subnet: { network_id: net.id, ip_version: 4, subnetpool_id: p.id, ...body } });
      const first = await sub({});
      assert.equal(first.status, 201, JSON.stringify(first.body));
      assert.equal(first.body.subnet.cidr, '10.61.0.0/24');
      assert.equal(first.body.subnet.subnetpool_id, p.id);
      assert.equal(first.body.subnet.gateway_ip, '10.61.0.1');
      const small = await sub({ prefixlen: 28 });
      assert.equal(small.body.subnet.cidr, '10.61.1.0/28', 'the smallest free block that fits');
      const specific = await sub({ cidr: '10.61.8.0/24' });
      assert.equal(specific.status, 201);
      assert.equal(specific.body.subnet.cidr, '10.61.8.0/24');
      const taken = await sub({ cidr: '10.61.8.0/25' });
      assert.equal(taken.status, 409);
      assert.equal(taken.body.NeutronError.type, 'SubnetAllocationError');
      const outside = await sub({ cidr: '10.62.0.0/24' });
      assert.equal(outside.body.NeutronError.type, 'SubnetAllocationError');
      const tooSmall = await sub({ prefixlen: 29 });
      assert.equal(tooSmall.status, 400);
      assert.equal(tooSmall.body.NeutronError.type, 'MaxPrefixSubnetAllocationError');
      const tooBig = await sub({ prefixlen: 16 });
      assert.equal(tooBig.body.NeutronError.type, 'MinPrefixSubnetAllocationError');
      const both = await sub({ cidr: '10.61.9.0/24', prefixlen: 24 });
      assert.equal(both.status, 400);
      const v6 = await t.client.post('/v2.0/subnets', { subnet: { network_id: net.id, ip_version: 6, subnetpool_id: p.id } });
      assert.equal(v6.status, 400);
      // Deleting a pool with subnets is refused; it goes once they are gone.
      const inUse = await t.client.del(`/v2.0/subnetpools/${p.id}`);
      assert.equal(inUse.status, 409);
      assert.equal(inUse.body.NeutronError.type, 'SubnetPoolInUse');
      for (const s of [first, small, specific]) assert.equal((await t.client.del(`/v2.0/subnets/${s.body.subnet.id}`)).status, 204);
      assert.equal((await t.client.del(`/v2.0/subnetpools/${p.id}`)).status, 204);
      const gone = await t.client.get(`/v2.0/subnetpools/${p.id}`);
      assert.equal(gone.status, 404);
      assert.equal(gone.body.NeutronError.type, 'SubnetPoolNotFound');
    });

    it('exhausts a pool with SubnetAllocationError and never hands out a prefix twice', async () => {
      const p = (await pool(t.admin, { prefixes: ['10.63.0.0/22'], default_prefixlen: 24, shared: true })).body.subnetpool;
      const net = (await t.admin.post('/v2.0/networks', { network: {} })).body.network;
      const results = await Promise.all(Array.from({ length: 6 }, () => t.admin.post('/v2.0/subnets', { subnet: { network_id: net.id, ip_version: 4, subnetpool_id: p.id } })));
      const cidrs = results.filter((r) => r.status === 201).map((r) => r.body.subnet.cidr).sort();
      assert.deepEqual(cidrs, ['10.63.0.0/24', '10.63.1.0/24', '10.63.2.0/24', '10.63.3.0/24']);
      assert.deepEqual(results.filter((r) => r.status !== 201).map((r) => r.body.NeutronError.type), ['SubnetAllocationError', 'SubnetAllocationError']);
    });

    it('uses the one default pool per IP version', async () => {
      const def = await pool(t.admin, { prefixes: ['10.64.0.0/16'], default_prefixlen: 26, is_default: true, shared: true });
      assert.equal(def.status, 201);
      assert.equal(def.body.subnetpool.is_default, true);
      const second = await pool(t.admin, { prefixes: ['10.65.0.0/16'], is_default: true });
      assert.equal(second.status, 400);
      assert.equal(second.body.NeutronError.type, 'InvalidInput');
      const v6default = await pool(t.admin, { prefixes: ['2001:db8:64::/48'], is_default: true });
      assert.equal(v6default.status, 201, 'one default per IP version');
      const byMember = await pool(t.client, { prefixes: ['10.66.0.0/16'], is_default: true });
      assert.equal(byMember.status, 403);
      const net = (await t.client.post('/v2.0/networks', { network: {} })).body.network;
      const s = await t.client.post('/v2.0/subnets', { subnet: { network_id: net.id, ip_version: 4, use_default_subnetpool: true } });
      assert.equal(s.status, 201, JSON.stringify(s.body));
      assert.equal(s.body.subnet.subnetpool_id, def.body.subnetpool.id);
      assert.equal(s.body.subnet.cidr, '10.64.0.0/26');
      assert.ok(!('use_default_subnetpool' in s.body.subnet));
      // A second default can be set once the first no longer is.
      const other = (await pool(t.admin, { prefixes: ['10.67.0.0/16'] })).body.subnetpool;
      assert.equal((await t.admin.put(`/v2.0/subnetpools/${other.id}`, { subnetpool: { is_default: true } })).status, 400);
      assert.equal((await t.admin.put(`/v2.0/subnetpools/${def.body.subnetpool.id}`, { subnetpool: { is_default: false } })).status, 200);
      assert.equal((await t.admin.put(`/v2.0/subnetpools/${other.id}`, { subnetpool: { is_default: true } })).status, 200);
      const noDefault = await t.client.post('/v2.0/subnets', { subnet: { network_id: net.id, ip_version: 4, use_default_subnetpool: true, prefixlen: 64 } });
      assert.equal(noDefault.status, 400);
    });

    it('limits each project by the pool default_quota in address units', async () => {
      const p = (await pool(t.admin, { prefixes: ['10.68.0.0/16'], default_prefixlen: 24, default_quota: 500, shared: true })).body.subnetpool;
      const q = t.client.as({ project: 'project-quota' });
      const net = (await q.post('/v2.0/networks', { network: {} })).body.network;
      const sub = (prefixlen: number) => q.post('/v2.0/subnets', { subnet: { network_id: net.id, ip_version: 4, subnetpool_id: p.id, prefixlen } });
      assert.equal((await sub(24)).status, 201);
      assert.equal((await sub(25)).status, 201);
      const over = await sub(25);
      assert.equal(over.status, 409);
      assert.equal(over.body.NeutronError.type, 'SubnetPoolQuotaExceeded');
      assert.equal((await sub(26)).status, 201, '256 + 128 + 64 still fits in 500');
      const otherProject = t.client.as({ project: 'project-quota-2' });
      const net2 = (await otherProject.post('/v2.0/networks', { network: {} })).body.network;
      assert.equal((await otherProject.post('/v2.0/subnets', { subnet: { network_id: net2.id, ip_version: 4, subnetpool_id: p.id, prefixlen: 24 } })).status, 201);
    });

    it('adds and removes prefixes, and only grows prefixes on update', async () => {
      const p = (await pool(t.client, { prefixes: ['10.70.0.0/24'], default_prefixlen: 26 })).body.subnetpool;
      const added = await t.client.put(`/v2.0/subnetpools/${p.id}/add_prefixes`, { prefixes: ['10.70.1.0/24', '10.80.0.0/24'] });
      assert.equal(added.status, 200, JSON.stringify(added.body));
      assert.deepEqual(added.body.prefixes, ['10.70.0.0/23', '10.80.0.0/24']);
      const net = (await t.client.post('/v2.0/networks', { network: {} })).body.network;
      const s = (await t.client.post('/v2.0/subnets', { subnet: { network_id: net.id, ip_version: 4, subnetpool_id: p.id, cidr: '10.80.0.0/26' } })).body.subnet;
      const removeUsed = await t.client.put(`/v2.0/subnetpools/${p.id}/remove_prefixes`, { prefixes: ['10.80.0.0/24'] });
      assert.equal(removeUsed.status, 400);
      assert.equal(removeUsed.body.NeutronError.type, 'IllegalSubnetPoolPrefixUpdate');
      const removed = await t.client.put(`/v2.0/subnetpools/${p.id}/remove_prefixes`, { prefixes: ['10.70.1.0/24'] });
      assert.deepEqual(removed.body.prefixes, ['10.70.0.0/24', '10.80.0.0/24']);
      const shown = (await t.client.get(`/v2.0/subnetpools/${p.id}`)).body.subnetpool;
      assert.deepEqual(shown.prefixes, ['10.70.0.0/24', '10.80.0.0/24']);
      assert.ok(shown.revision_number >= 2);
      const shrink = await t.client.put(`/v2.0/subnetpools/${p.id}`, { subnetpool: { prefixes: ['10.70.0.0/24'] } });
      assert.equal(shrink.status, 400);
      assert.equal(shrink.body.NeutronError.type, 'IllegalSubnetPoolPrefixUpdate');
      const grow = await t.client.put(`/v2.0/subnetpools/${p.id}`, { subnetpool: { prefixes: ['10.70.0.0/24', '10.80.0.0/24', '10.90.0.0/24'], name: 'grown' } });
      assert.equal(grow.status, 200);
      assert.deepEqual(grow.body.subnetpool.prefixes, ['10.70.0.0/24', '10.80.0.0/24', '10.90.0.0/24']);
      const bad = await t.client.put(`/v2.0/subnetpools/${p.id}/add_prefixes`, { prefixes: ['2001:db8::/64'] });
      assert.equal(bad.body.NeutronError.type, 'PrefixVersionMismatch');
      const other = await t.client.as({ project: 'project-z' }).put(`/v2.0/subnetpools/${p.id}/add_prefixes`, { prefixes: ['10.99.0.0/24'] });
      assert.equal(other.status, 404);
      assert.equal(s.subnetpool_id, p.id);
    });

    it('shows shared pools to every project, private ones only to their owner, and lists its extensions', async () => {
      const shared = (await pool(t.admin, { prefixes: ['10.71.0.0/16'], shared: true })).body.subnetpool;
      const priv = (await pool(t.client, { prefixes: ['10.72.0.0/16'] })).body.subnetpool;
      const other = t.client.as({ project: 'project-y' });
      assert.equal((await other.get(`/v2.0/subnetpools/${shared.id}`)).status, 200);
      assert.equal((await other.get(`/v2.0/subnetpools/${priv.id}`)).status, 404);
      const net = (await other.post('/v2.0/networks', { network: {} })).body.network;
      const fromPrivate = await other.post('/v2.0/subnets', { subnet: { network_id: net.id, ip_version: 4, subnetpool_id: priv.id } });
      assert.equal(fromPrivate.status, 404);
      assert.equal(fromPrivate.body.NeutronError.type, 'SubnetPoolNotFound');
      const filtered = (await t.admin.get('/v2.0/subnetpools?ip_version=4&shared=true')).body.subnetpools.map((x: { id: string }) => x.id);
      assert.ok(filtered.includes(shared.id) && !filtered.includes(priv.id));
      const aliases = (await t.client.get('/v2.0/extensions')).body.extensions.map((e: { alias: string }) => e.alias);
      for (const alias of ['subnet_allocation', 'default-subnetpools', 'subnetpool-prefix-ops']) assert.ok(aliases.includes(alias), alias);
      await t.admin.put('/v2.0/quotas/project-spq', { quota: { subnetpool: 1 } });
      const q = t.client.as({ project: 'project-spq' });
      assert.equal((await pool(q, { prefixes: ['10.73.0.0/16'] })).status, 201);
      const over = await pool(q, { prefixes: ['10.74.0.0/16'] });
      assert.equal(over.status, 409);
      assert.equal(over.body.NeutronError.type, 'OverQuota');
    });
  });
}
