// availability_zone_filter through HTTP on SQLite and PostgreSQL: GET
// /v2.0/availability_zones filtered by name, resource and state (several values of one
// filter are alternatives, filters combine), `fields`, unknown filters refused, and every
// project's member or reader may list (get_availability_zone: regular_user).
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { dialects, startTestServer, type TestServer } from '../helpers/server.ts';

for (const dialect of dialects()) {
  describe(`availability zone filter (${dialect})`, () => {
    let t: TestServer;
    before(async () => {
      t = await startTestServer(dialect, { 'network.default_availability_zones': ['nova', 'az2'] });
    });
    after(async () => t?.close());

    const zones = async (query: string, client = t.client) => {
      const res = await client.get(`/v2.0/availability_zones${query}`);
      assert.equal(res.status, 200, JSON.stringify(res.body));
      return res.body.availability_zones.map((z: Record<string, string>) => `${z.name}/${z.resource}/${z.state}`).sort();
    };

    it('is listed as Neutron lists it', async () => {
      const e = (await t.client.get('/v2.0/extensions/availability_zone_filter')).body.extension;
      assert.deepEqual(
        { name: e.name, description: e.description, updated: e.updated },
        { name: 'Availability Zone Filter Extension', description: 'Add filter parameters to AvailabilityZone resource', updated: '2018-06-22T10:00:00-00:00' },
      );
    });

    it('filters by name, resource and state', async () => {
      assert.deepEqual(await zones(''), ['az2/network/available', 'az2/router/available', 'nova/network/available', 'nova/router/available']);
      assert.deepEqual(await zones('?name=az2'), ['az2/network/available', 'az2/router/available']);
      assert.deepEqual(await zones('?resource=network'), ['az2/network/available', 'nova/network/available']);
      assert.deepEqual(await zones('?name=az2&resource=router'), ['az2/router/available']);
      assert.deepEqual(await zones('?name=az2&name=nova&resource=router'), ['az2/router/available', 'nova/router/available']);
      assert.deepEqual(await zones('?state=available&name=nova'), ['nova/network/available', 'nova/router/available']);
      assert.deepEqual(await zones('?state=unavailable'), []);
      assert.deepEqual(await zones('?name=mars'), []);
      const fields = await t.client.get('/v2.0/availability_zones?name=nova&resource=network&fields=state');
      assert.deepEqual(fields.body.availability_zones, [{ state: 'available' }]);
      const unknown = await t.client.get('/v2.0/availability_zones?color=blue');
      assert.equal(unknown.status, 400);
      assert.match(unknown.body.NeutronError.message, /\[color\] is invalid attribute for filtering/);
    });

    it('is readable by any project member or reader', async () => {
      assert.deepEqual(await zones('?name=nova&resource=network', t.client.as({ roles: 'reader' })), ['nova/network/available']);
      assert.deepEqual(await zones('?name=nova&resource=network', t.client.as({ project: 'project-b', roles: 'member,reader' })), ['nova/network/available']);
    });
  });
}
