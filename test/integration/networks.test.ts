// Networks and the generic API behaviour (filters, fields, sorting, pagination, tags,
// revisions, bulk, errors), through HTTP, on SQLite and PostgreSQL.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { dialects, startTestServer, type TestServer } from '../helpers/server.ts';

for (const dialect of dialects()) {
  describe(`networks (${dialect})`, () => {
    let t: TestServer;
    before(async () => {
      t = await startTestServer(dialect, { 'network.vni_ranges': ['100:102'] });
    });
    after(async () => t?.close());

    it('serves version and extension discovery', async () => {
      const root = await t.client.get('/');
      assert.equal(root.status, 200);
      assert.equal(root.body.versions[0].id, 'v2.0');
      const exts = await t.client.get('/v2.0/extensions');
      const aliases = exts.body.extensions.map((e: { alias: string }) => e.alias);
      assert.ok(aliases.includes('external-net'));
      assert.ok(!aliases.includes('network'), 'core resources are not extensions');
      const one = await t.client.get('/v2.0/extensions/provider');
      assert.equal(one.body.extension.alias, 'provider');
      const missing = await t.client.get('/v2.0/extensions/nope');
      assert.equal(missing.status, 404);
    });

    it('creates, shows, updates and deletes a network with Neutron defaults', async () => {
      const created = await t.client.post('/v2.0/networks', { network: { name: 'web' } });
      assert.equal(created.status, 201);
      const net = created.body.network;
      assert.equal(net.name, 'web');
      assert.equal(net.admin_state_up, true);
      assert.equal(net.status, 'ACTIVE');
      assert.equal(net.shared, false);
      assert.equal(net.mtu, 1450, 'vxlan tenant networks leave room for encapsulation');
      assert.equal(net['router:external'], false);
      assert.equal(net.project_id, 'project-a');
      assert.equal(net.tenant_id, 'project-a');
      assert.deepEqual(net.subnets, []);
      assert.deepEqual(net.tags, []);
      assert.equal(net.revision_number, 0);
      assert.match(net.created_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
      assert.equal(net['provider:network_type'], undefined, 'provider attributes are admin only');

      const shown = await t.admin.get(`/v2.0/networks/${net.id}`);
      assert.equal(shown.body.network['provider:network_type'], 'vxlan');
      assert.ok(shown.body.network['provider:segmentation_id'] >= 100);

      const updated = await t.client.put(`/v2.0/networks/${net.id}`, { network: { name: 'web2', mtu: 1400 } });
      assert.equal(updated.status, 200);
      assert.equal(updated.body.network.name, 'web2');
      assert.equal(updated.body.network.mtu, 1400);
      assert.equal(updated.body.network.revision_number, 1);

      const del = await t.client.del(`/v2.0/networks/${net.id}`);
      assert.equal(del.status, 204);
      const gone = await t.client.get(`/v2.0/networks/${net.id}`);
      assert.equal(gone.status, 404);
      assert.equal(gone.body.NeutronError.type, 'NetworkNotFound');
    });

    it('rejects bad input with Neutron errors and changes nothing', async () => {
      const unknown = await t.client.post('/v2.0/networks', { network: { name: 'x', bogus: 1 } });
      assert.equal(unknown.status, 400);
      assert.match(unknown.body.NeutronError.message, /Unrecognized attribute/);
      const badBool = await t.client.post('/v2.0/networks', { network: { admin_state_up: 'maybe' } });
      assert.equal(badBool.status, 400);
      assert.match(badBool.body.NeutronError.message, /admin_state_up/);
      const readOnly = await t.client.post('/v2.0/networks', { network: { status: 'DOWN' } });
      assert.equal(readOnly.status, 400);
      const noBody = await t.client.post('/v2.0/networks', { netwrk: {} });
      assert.equal(noBody.status, 400);
      const malformed = await t.client.call('POST', '/v2.0/networks', undefined, { headers: { 'content-type': 'application/json' } });
      assert.equal(malformed.status, 400);
      const tooBigMtu = await t.client.post('/v2.0/networks', { network: { mtu: 9000 } });
      assert.equal(tooBigMtu.status, 400);
      const providerByMember = await t.client.post('/v2.0/networks', { network: { 'provider:network_type': 'vlan' } });
      assert.equal(providerByMember.status, 403);
      assert.equal(providerByMember.body.NeutronError.type, 'PolicyNotAuthorized');
      const list = await t.client.get('/v2.0/networks');
      assert.equal(list.body.networks.length, 0, 'failed requests left nothing behind');
    });

    it('allocates unique segmentation ids, rejects duplicates and answers 503 when exhausted', async () => {
      const vlan = await t.admin.post('/v2.0/networks', { network: { 'provider:network_type': 'vlan', 'provider:physical_network': 'physnet1', 'provider:segmentation_id': 1234 } });
      assert.equal(vlan.status, 201, JSON.stringify(vlan.body));
      assert.equal(vlan.body.network.mtu, 1500);
      const dup = await t.admin.post('/v2.0/networks', { network: { 'provider:network_type': 'vlan', 'provider:physical_network': 'physnet1', 'provider:segmentation_id': 1234 } });
      assert.equal(dup.status, 409);
      assert.equal(dup.body.NeutronError.type, 'VlanIdInUse');
      const flat = await t.admin.post('/v2.0/networks', { network: { 'provider:network_type': 'flat', 'provider:physical_network': 'public' } });
      assert.equal(flat.status, 201);
      const flat2 = await t.admin.post('/v2.0/networks', { network: { 'provider:network_type': 'flat', 'provider:physical_network': 'public' } });
      assert.equal(flat2.status, 409);
      const badType = await t.admin.post('/v2.0/networks', { network: { 'provider:network_type': 'gre' } });
      assert.equal(badType.status, 400);

      // VNI range 100..102 holds three tenant networks; concurrent creates all get distinct ids.
      const results = await Promise.all([1, 2, 3, 4].map((i) => t.admin.post('/v2.0/networks', { network: { name: `n${i}` } })));
      const ok = results.filter((r) => r.status === 201);
      const exhausted = results.filter((r) => r.status === 503);
      assert.equal(ok.length, 3);
      assert.equal(exhausted.length, 1);
      assert.equal(exhausted[0].body.NeutronError.type, 'NoNetworkAvailable');
      const ids = ok.map((r) => r.body.network['provider:segmentation_id']);
      assert.deepEqual([...ids].sort(), [100, 101, 102]);
      // Deleting releases the id.
      await t.admin.del(`/v2.0/networks/${ok[0].body.network.id}`);
      const again = await t.admin.post('/v2.0/networks', { network: { name: 'again' } });
      assert.equal(again.status, 201);
      assert.equal(again.body.network['provider:segmentation_id'], ids[0]);
      for (const r of [...ok.slice(1), again, vlan, flat]) await t.admin.del(`/v2.0/networks/${(r.body.network ?? r.body).id}`);
      const filtered = await t.admin.get('/v2.0/networks?provider:network_type=vxlan');
      assert.equal(filtered.status, 200);
      assert.equal(filtered.body.networks.length, 0);
    });

    it('filters, selects fields, sorts and paginates', async () => {
      const bulk = await t.client.post('/v2.0/networks', {
        networks: ['a', 'b', 'c'].map((name) => ({ name, admin_state_up: name !== 'b', 'router:external': name === 'c' })),
      });
      assert.equal(bulk.status, 403, 'router:external is admin only (its default value, false, is not checked, as in Neutron)');
      const created = await t.client.post('/v2.0/networks', { networks: ['a', 'b', 'c'].map((name) => ({ name, admin_state_up: name !== 'b' })) });
      assert.equal(created.status, 201);
      assert.equal(created.body.networks.length, 3);
      try {
        const byName = await t.client.get('/v2.0/networks?name=a&name=c');
        assert.deepEqual(byName.body.networks.map((n: { name: string }) => n.name).sort(), ['a', 'c']);
        const down = await t.client.get('/v2.0/networks?admin_state_up=false');
        assert.deepEqual(down.body.networks.map((n: { name: string }) => n.name), ['b']);
        const empty = await t.client.get('/v2.0/networks?name=');
        assert.equal(empty.body.networks.length, 0);
        const badFilter = await t.client.get('/v2.0/networks?colour=red');
        assert.equal(badFilter.status, 400);
        const fields = await t.client.get('/v2.0/networks?fields=id&fields=name');
        assert.deepEqual(Object.keys(fields.body.networks[0]).sort(), ['id', 'name']);
        const sorted = await t.client.get('/v2.0/networks?sort_key=name&sort_dir=desc');
        assert.deepEqual(sorted.body.networks.map((n: { name: string }) => n.name), ['c', 'b', 'a']);

        const page1 = await t.client.get('/v2.0/networks?sort_key=name&sort_dir=asc&limit=2');
        assert.deepEqual(page1.body.networks.map((n: { name: string }) => n.name), ['a', 'b']);
        const next = page1.body.networks_links.find((l: { rel: string }) => l.rel === 'next');
        assert.ok(next);
        const page2 = await t.client.get(new URL(next.href).pathname + new URL(next.href).search);
        assert.deepEqual(page2.body.networks.map((n: { name: string }) => n.name), ['c']);
        const prev = page2.body.networks_links.find((l: { rel: string }) => l.rel === 'previous');
        const back = await t.client.get(new URL(prev.href).pathname + new URL(prev.href).search);
        assert.deepEqual(back.body.networks.map((n: { name: string }) => n.name), ['a', 'b']);
      } finally {
        for (const n of created.body.networks) await t.client.del(`/v2.0/networks/${n.id}`);
      }
    });

    it('bulk create is all or nothing', async () => {
      const res = await t.client.post('/v2.0/networks', { networks: [{ name: 'ok' }, { name: 'bad', mtu: 'x' }] });
      assert.equal(res.status, 400);
      const list = await t.client.get('/v2.0/networks?name=ok');
      assert.equal(list.body.networks.length, 0);
    });

    it("deleting a tagged network deletes its tags and nobody else's", async () => {
      const doomed = (await t.client.post('/v2.0/networks', { network: { name: 'tagged-doomed' } })).body.network;
      const kept = (await t.client.post('/v2.0/networks', { network: { name: 'tagged-kept' } })).body.network;
      try {
        for (const n of [doomed, kept]) assert.equal((await t.client.put(`/v2.0/networks/${n.id}/tags`, { tags: ['gone', 'x'] })).status, 200);
        assert.equal((await t.client.del(`/v2.0/networks/${doomed.id}`)).status, 204);
        const db = t.service.app.database.db;
        const tagsOf = async (id: string) => (await db.selectFrom('tags').select('tag').where('resource_id', '=', id).orderBy('tag').execute()).map((r: { tag: string }) => r.tag);
        assert.deepEqual(await tagsOf(doomed.id), []);
        assert.deepEqual(await tagsOf(kept.id), ['gone', 'x']);
      } finally {
        await t.client.del(`/v2.0/networks/${kept.id}`);
      }
    });

    it('manages tags and filters by them', async () => {
      const a = (await t.client.post('/v2.0/networks', { network: { name: 'ta' } })).body.network;
      const b = (await t.client.post('/v2.0/networks', { network: { name: 'tb' } })).body.network;
      assert.equal((await t.client.put(`/v2.0/networks/${a.id}/tags`, { tags: ['red', 'blue'] })).status, 200);
      assert.equal((await t.client.put(`/v2.0/networks/${b.id}/tags/red`, undefined)).status, 201);
      assert.deepEqual((await t.client.get(`/v2.0/networks/${a.id}/tags`)).body.tags, ['blue', 'red']);
      assert.equal((await t.client.get(`/v2.0/networks/${a.id}/tags/blue`)).status, 204);
      assert.equal((await t.client.get(`/v2.0/networks/${b.id}/tags/blue`)).status, 404);
      const names = async (q: string) => (await t.client.get(`/v2.0/networks?${q}`)).body.networks.map((n: { name: string }) => n.name).sort();
      assert.deepEqual(await names('tags=red,blue'), ['ta']);
      assert.deepEqual(await names('tags-any=red'), ['ta', 'tb']);
      assert.deepEqual(await names('not-tags=red,blue'), ['tb']);
      assert.deepEqual(await names('not-tags-any=blue'), ['tb']);
      assert.equal((await t.client.del(`/v2.0/networks/${a.id}/tags/red`)).status, 204);
      assert.equal((await t.client.del(`/v2.0/networks/${a.id}/tags/red`)).status, 404);
      assert.equal((await t.client.del(`/v2.0/networks/${a.id}/tags`)).status, 204);
      const shown = (await t.client.get(`/v2.0/networks/${a.id}`)).body.network;
      assert.deepEqual(shown.tags, []);
      assert.ok(shown.revision_number >= 3, 'tag changes bump the revision');
      await t.client.del(`/v2.0/networks/${a.id}`);
      await t.client.del(`/v2.0/networks/${b.id}`);
    });

    it('honours If-Match revision constraints', async () => {
      const net = (await t.client.post('/v2.0/networks', { network: { name: 'rev' } })).body.network;
      const stale = await t.client.call('PUT', `/v2.0/networks/${net.id}`, { network: { name: 'x' } }, { headers: { 'if-match': 'revision_number=7' } });
      assert.equal(stale.status, 412);
      assert.equal(stale.body.NeutronError.type, 'RevisionNumberConstraintFailed');
      const fresh = await t.client.call('PUT', `/v2.0/networks/${net.id}`, { network: { name: 'x' } }, { headers: { 'if-match': `revision_number=${net.revision_number}` } });
      assert.equal(fresh.status, 200);
      const staleDelete = await t.client.call('DELETE', `/v2.0/networks/${net.id}`, undefined, { headers: { 'if-match': 'revision_number=0' } });
      assert.equal(staleDelete.status, 412);
      assert.equal((await t.client.del(`/v2.0/networks/${net.id}`)).status, 204);
    });

    it('keeps projects apart and shows shared networks to everyone', async () => {
      const mine = (await t.client.post('/v2.0/networks', { network: { name: 'private-a' } })).body.network;
      const shared = (await t.admin.post('/v2.0/networks', { network: { name: 'shared', shared: true } })).body.network;
      const other = t.client.as({ project: 'project-b' });
      assert.equal((await other.get(`/v2.0/networks/${mine.id}`)).status, 404);
      assert.equal((await other.put(`/v2.0/networks/${mine.id}`, { network: { name: 'stolen' } })).status, 404);
      assert.equal((await other.del(`/v2.0/networks/${mine.id}`)).status, 404);
      const visible = (await other.get('/v2.0/networks')).body.networks.map((n: { id: string }) => n.id);
      assert.deepEqual(visible, [shared.id]);
      assert.equal((await other.put(`/v2.0/networks/${shared.id}`, { network: { name: 'mine now' } })).status, 403);
      await t.client.del(`/v2.0/networks/${mine.id}`);
      await t.admin.del(`/v2.0/networks/${shared.id}`);
    });

    it('enforces the network quota', async () => {
      assert.equal((await t.admin.put('/v2.0/quotas/project-q', { quota: { network: 2 } })).status, 200);
      const q = t.client.as({ project: 'project-q' });
      const results = await Promise.all([1, 2, 3, 4].map(() => q.post('/v2.0/networks', { network: {} })));
      assert.equal(results.filter((r) => r.status === 201).length, 2);
      const over = results.filter((r) => r.status === 409);
      assert.equal(over.length, 2);
      assert.equal(over[0].body.NeutronError.type, 'OverQuota');
    });
  });
}
