// quota-check-limit through HTTP on SQLite and PostgreSQL: `check_limit` refuses a limit
// below the project's usage (400, as Neutron), also against concurrent creates; without it
// any limit is set. Only admins update quotas.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { dialects, startTestServer, type TestServer } from '../helpers/server.ts';

for (const dialect of dialects()) {
  describe(`quota-check-limit (${dialect})`, () => {
    let t: TestServer;
    before(async () => {
      t = await startTestServer(dialect);
    });
    after(async () => t?.close());

    const networks = async (project: string, n: number) => {
      for (let i = 0; i < n; i++) {
        const res = await t.admin.post('/v2.0/networks', { network: { name: `n${i}`, project_id: project } });
        assert.equal(res.status, 201, JSON.stringify(res.body));
      }
    };

    it('is listed as Neutron Zed lists it', async () => {
      const ext = (await t.client.get('/v2.0/extensions/quota-check-limit')).body.extension;
      assert.equal(ext.name, 'Quota engine limit check');
      assert.equal(ext.updated, '2021-09-08T16:00:00-00:00');
    });

    it('refuses a limit below usage with check_limit, accepts it without', async () => {
      await networks('proj-q1', 3);
      const below = await t.admin.put('/v2.0/quotas/proj-q1', { quota: { network: 2, check_limit: true } });
      assert.equal(below.status, 400, JSON.stringify(below.body));
      assert.equal(below.body.NeutronError.type, 'HTTPBadRequest');
      assert.match(below.body.NeutronError.message, /Quota limit 2 for network must be greater than or equal to already used 3/);
      // Nothing of the request is applied, not even the other resources' limits.
      const both = await t.admin.put('/v2.0/quotas/proj-q1', { quota: { port: 7, network: 1, check_limit: 'True' } });
      assert.equal(both.status, 400);
      const limits = (await t.admin.get('/v2.0/quotas/proj-q1')).body.quota;
      assert.notEqual(limits.network, 2);
      assert.notEqual(limits.port, 7);
      for (const network of [3, 10, -1]) {
        const ok = await t.admin.put('/v2.0/quotas/proj-q1', { quota: { network, check_limit: true } });
        assert.equal(ok.status, 200, JSON.stringify(ok.body));
        assert.equal(ok.body.quota.network, network);
      }
      const forced = await t.admin.put('/v2.0/quotas/proj-q1', { quota: { network: 1, force: true } });
      assert.equal(forced.status, 200);
      assert.equal(forced.body.quota.network, 1);
      const unchecked = await t.admin.put('/v2.0/quotas/proj-q1', { quota: { network: 0, check_limit: false } });
      assert.equal(unchecked.status, 200);
      assert.equal((await t.admin.put('/v2.0/quotas/proj-q1', { quota: { network: 5, check_limit: 'maybe' } })).status, 400);
    });

    it('holds against creates running at the same time', async () => {
      const project = 'proj-q2';
      const member = t.client.as({ project, roles: 'member,reader' });
      const creates = Array.from({ length: 8 }, (_, i) => member.post('/v2.0/networks', { network: { name: `c${i}` } }));
      const update = t.admin.put(`/v2.0/quotas/${project}`, { quota: { network: 3, check_limit: true } });
      const [setLimit, ...created] = await Promise.all([update, ...creates]);
      for (const r of created) assert.ok(r.status === 201 || (r.status === 409 && r.body.NeutronError.type === 'OverQuota'), JSON.stringify(r.body));
      const used = (await t.admin.get(`/v2.0/quotas/${project}/details`)).body.quota.network.used;
      if (setLimit.status === 200) assert.ok(used <= 3, `limit 3 set, ${used} networks`);
      else {
        assert.equal(setLimit.status, 400, JSON.stringify(setLimit.body));
        assert.ok(used > 3);
      }
    });

    it('policy: members, readers and other projects may not update quotas', async () => {
      for (const caller of [t.client, t.client.as({ roles: 'reader' }), t.client.as({ project: 'project-b' })]) {
        const res = await caller.put('/v2.0/quotas/project-a', { quota: { network: 50, check_limit: true } });
        assert.equal(res.status, 403);
        assert.equal(res.body.NeutronError.type, 'PolicyNotAuthorized');
      }
      // A reader reads its own project's limits; another project's are refused.
      assert.equal((await t.client.as({ roles: 'reader' }).get('/v2.0/quotas/project-a')).status, 200);
      assert.equal((await t.client.as({ project: 'project-b' }).get('/v2.0/quotas/project-a/details')).status, 403);
    });
  });
}
