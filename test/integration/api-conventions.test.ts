// Conventions of Neutron's API that clients rely on beyond single resources, found by
// running Tempest (see CONFORMANCE.md): the `.json` format suffix and the aliases of
// generic features (quotas, tags) in extension discovery, pagination by marker.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { dialects, startTestServer, type TestServer } from '../helpers/server.ts';

for (const dialect of dialects()) {
  describe(`API conventions (${dialect})`, () => {
    let t: TestServer;
    before(async () => {
      t = await startTestServer(dialect);
    });
    after(async () => t?.close());

    it('accepts the .json format suffix on collections, members and sub-paths', async () => {
      const created = await t.client.post('/v2.0/networks.json', { network: { name: 'suffixed' } });
      assert.equal(created.status, 201);
      const id = created.body.network.id;
      const listed = await t.client.get('/v2.0/networks.json?name=suffixed');
      assert.equal(listed.status, 200);
      assert.deepEqual(listed.body.networks.map((n: { id: string }) => n.id), [id]);
      const shown = await t.client.get(`/v2.0/networks/${id}.json`);
      assert.equal(shown.body.network.name, 'suffixed');
      const details = await t.admin.get('/v2.0/quotas/project-a/details.json');
      assert.equal(details.status, 200);
      assert.deepEqual(details.body.quota.network, { limit: 100, used: 1, reserved: 0 });
      const missing = await t.client.get('/v2.0/networks/00000000-0000-0000-0000-000000000000.json');
      assert.equal(missing.status, 404);
      assert.equal(missing.body.NeutronError.type, 'NetworkNotFound');
    });

    it('pages in id order follow the marker; a marker that is not there lists from the start', async () => {
      const created = await t.client.post('/v2.0/networks', { networks: Array.from({ length: 5 }, (_, i) => ({ name: `page-${i}` })) });
      assert.equal(created.status, 201);
      try {
        const ids = created.body.networks.map((n: { id: string }) => n.id).sort();
        const walked: string[] = [];
        for (let url: string | undefined = '/v2.0/networks?name=page-0&name=page-1&name=page-2&name=page-3&name=page-4&limit=2'; url; ) {
          const page = await t.client.get(url);
          assert.equal(page.status, 200, JSON.stringify(page.body));
          walked.push(...page.body.networks.map((n: { id: string }) => n.id));
          const next = page.body.networks_links?.find((l: { rel: string }) => l.rel === 'next');
          url = next && new URL(next.href).pathname + new URL(next.href).search;
        }
        assert.deepEqual(walked, ids);
        const after = await t.client.get(`/v2.0/networks?name=page-0&name=page-1&name=page-2&name=page-3&name=page-4&limit=2&marker=${ids[1]}`);
        assert.deepEqual(after.body.networks.map((n: { id: string }) => n.id), ids.slice(2, 4));
        const absent = await t.client.get('/v2.0/networks?name=page-0&name=page-1&name=page-2&name=page-3&name=page-4&limit=2&marker=ffffffff-ffff-ffff-ffff-ffffffffffff');
        assert.deepEqual(absent.body.networks.map((n: { id: string }) => n.id), ids.slice(0, 2));
      } finally {
        for (const n of created.body.networks) await t.client.del(`/v2.0/networks/${n.id}`);
      }
    });

    it("shows a project's default quotas as its limits after a reset (Tempest's QuotasTest)", async () => {
      const set = await t.admin.put('/v2.0/quotas/project-b', { quota: { network: 0 } });
      assert.equal(set.status, 200);
      assert.equal(set.body.quota.network, 0);
      assert.equal((await t.admin.del('/v2.0/quotas/project-b')).status, 204);
      const reset = await t.admin.get('/v2.0/quotas/project-b');
      const defaults = await t.admin.get('/v2.0/quotas/project-b/default');
      assert.equal(defaults.status, 200);
      assert.deepEqual(defaults.body.quota, reset.body.quota);
      assert.equal(defaults.body.quota.network, 100);
      const otherProject = await t.client.get('/v2.0/quotas/project-b/default');
      assert.equal(otherProject.status, 403);
    });

    it('lists the quota and tag extensions the generic API serves', async () => {
      const aliases = (await t.client.get('/v2.0/extensions')).body.extensions.map((e: { alias: string }) => e.alias);
      for (const alias of ['quotas', 'quota_details', 'tag', 'standard-attr-tag', 'service-type']) assert.ok(aliases.includes(alias), alias);
      const quotas = await t.client.get('/v2.0/extensions/quotas.json');
      assert.equal(quotas.body.extension.alias, 'quotas');
    });
  });
}
