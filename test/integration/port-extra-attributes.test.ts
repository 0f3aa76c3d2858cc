// Port aliases through HTTP on SQLite and PostgreSQL: port-device-profile,
// port-numa-affinity-policy, port-mac-override and tag-ports-during-bulk-creation, with
// their validation and who may set and see them (member, reader, another project).
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { dialects, startTestServer, type TestServer } from '../helpers/server.ts';

for (const dialect of dialects()) {
  describe(`port extra attributes (${dialect})`, () => {
    let t: TestServer;
    let netId: string;
    before(async () => {
      t = await startTestServer(dialect);
      netId = (await t.client.post('/v2.0/networks', { network: { name: 'n' } })).body.network.id;
      await t.client.post('/v2.0/subnets', { subnet: { network_id: netId, ip_version: 4, cidr: '10.60.0.0/24' } });
    });
    after(async () => t?.close());

    it('lists the four aliases as Neutron Zed names them', async () => {
      const exts = (await t.client.get('/v2.0/extensions')).body.extensions as { alias: string; updated: string }[];
      const byAlias = new Map(exts.map((e) => [e.alias, e]));
      assert.equal(byAlias.get('port-device-profile')?.updated, '2020-12-17T10:00:00-00:00');
      assert.equal(byAlias.get('port-numa-affinity-policy')?.updated, '2020-07-08T10:00:00-00:00');
      assert.equal(byAlias.get('port-mac-override')?.updated, '2022-03-18T10:00:00-00:00');
      assert.equal(byAlias.get('tag-ports-during-bulk-creation')?.updated, '2019-12-29T19:00:00-00:00');
    });

    it('device_profile: set on create, null by default, read-only afterwards, at most 255 characters', async () => {
      const plain = (await t.client.post('/v2.0/ports', { port: { network_id: netId } })).body.port;
      assert.equal(plain.device_profile, null);
      const res = await t.client.post('/v2.0/ports', { port: { network_id: netId, device_profile: 'gpu-profile' } });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      assert.equal(res.body.port.device_profile, 'gpu-profile');
      assert.equal((await t.client.get(`/v2.0/ports?device_profile=gpu-profile`)).body.ports.length, 1);
      const upd = await t.client.put(`/v2.0/ports/${res.body.port.id}`, { port: { device_profile: 'other' } });
      assert.equal(upd.status, 400);
      assert.equal(upd.body.NeutronError.type, 'HTTPBadRequest');
      const long = await t.client.post('/v2.0/ports', { port: { network_id: netId, device_profile: 'x'.repeat(256) } });
      assert.equal(long.status, 400);
      const notString = await t.client.post('/v2.0/ports', { port: { network_id: netId, device_profile: 5 } });
      assert.equal(notString.status, 400);
    });

    it('numa_affinity_policy: required, preferred, legacy or null; anything else is 400', async () => {
      const p = (await t.client.post('/v2.0/ports', { port: { network_id: netId } })).body.port;
      assert.equal(p.numa_affinity_policy, null);
      for (const value of ['required', 'preferred', 'legacy', null]) {
        const res = await t.client.put(`/v2.0/ports/${p.id}`, { port: { numa_affinity_policy: value } });
        assert.equal(res.status, 200, JSON.stringify(res.body));
        assert.equal(res.body.port.numa_affinity_policy, value);
      }
      for (const value of ['socket', 'strict', 1]) {
        const res = await t.client.put(`/v2.0/ports/${p.id}`, { port: { numa_affinity_policy: value } });
        assert.equal(res.status, 400, `${String(value)} refused`);
        assert.equal(res.body.NeutronError.type, 'HTTPBadRequest');
      }
      const created = await t.client.post('/v2.0/ports', { port: { network_id: netId, numa_affinity_policy: 'preferred' } });
      assert.equal(created.body.port.numa_affinity_policy, 'preferred');
    });

    it('port-mac-override: a direct-physical port takes the MAC of its binding profile', async () => {
      const res = await t.admin.post('/v2.0/ports', {
        port: { network_id: netId, 'binding:vnic_type': 'direct-physical', 'binding:profile': { device_mac_address: 'AA:BB:CC:00:11:22' } },
      });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      assert.equal(res.body.port.mac_address, 'aa:bb:cc:00:11:22');
      // A normal port's profile MAC means nothing.
      const normal = (await t.admin.post('/v2.0/ports', { port: { network_id: netId, 'binding:profile': { device_mac_address: 'aa:bb:cc:00:11:33' } } })).body.port;
      assert.notEqual(normal.mac_address, 'aa:bb:cc:00:11:33');
      // Nova updates the profile when it binds: the MAC follows, even on a bound port.
      const p = (await t.admin.post('/v2.0/ports', { port: { network_id: netId, 'binding:vnic_type': 'direct-physical' } })).body.port;
      const upd = await t.admin.put(`/v2.0/ports/${p.id}`, { port: { 'binding:profile': { device_mac_address: 'aa:bb:cc:00:11:44' }, 'binding:host_id': 'compute-1' } });
      assert.equal(upd.status, 200, JSON.stringify(upd.body));
      assert.equal(upd.body.port.mac_address, 'aa:bb:cc:00:11:44');
      // Another port's MAC on the network: 409 MacAddressInUse; a malformed one: 400.
      const taken = await t.admin.post('/v2.0/ports', { port: { network_id: netId, 'binding:vnic_type': 'direct-physical', 'binding:profile': { device_mac_address: 'aa:bb:cc:00:11:44' } } });
      assert.equal(taken.status, 409);
      assert.equal(taken.body.NeutronError.type, 'MacAddressInUse');
      const bad = await t.admin.post('/v2.0/ports', { port: { network_id: netId, 'binding:vnic_type': 'direct-physical', 'binding:profile': { device_mac_address: 'nope' } } });
      assert.equal(bad.status, 400);
      // binding:profile is admin only, so a member cannot override a MAC this way.
      const member = await t.client.post('/v2.0/ports', { port: { network_id: netId, 'binding:vnic_type': 'direct-physical', 'binding:profile': { device_mac_address: 'aa:bb:cc:00:11:55' } } });
      assert.equal(member.status, 403);
      assert.equal(member.body.NeutronError.type, 'PolicyNotAuthorized');
    });

    it('tags in a port create, bulk included, written with the port', async () => {
      const one = await t.client.post('/v2.0/ports', { port: { network_id: netId, tags: ['b', 'a', 'a'] } });
      assert.equal(one.status, 201, JSON.stringify(one.body));
      assert.deepEqual(one.body.port.tags, ['a', 'b']);
      assert.deepEqual((await t.client.get(`/v2.0/ports/${one.body.port.id}`)).body.port.tags, ['a', 'b']);
      const bulk = await t.client.post('/v2.0/ports', { ports: [{ network_id: netId, tags: ['bulk-1'] }, { network_id: netId, tags: ['bulk-2', 'common'] }, { network_id: netId }] });
      assert.equal(bulk.status, 201, JSON.stringify(bulk.body));
      assert.deepEqual(bulk.body.ports.map((p: { tags: string[] }) => p.tags), [['bulk-1'], ['bulk-2', 'common'], []]);
      const found = (await t.client.get('/v2.0/ports?tags=common')).body.ports;
      assert.deepEqual(found.map((p: { id: string }) => p.id), [bulk.body.ports[1].id]);
      // A bad tag fails the whole bulk request: nothing is left behind.
      const before = (await t.client.get('/v2.0/ports')).body.ports.length;
      const bad = await t.client.post('/v2.0/ports', { ports: [{ network_id: netId, tags: ['fine'] }, { network_id: netId, tags: [''] }] });
      assert.equal(bad.status, 400);
      assert.equal((await t.client.get('/v2.0/ports')).body.ports.length, before);
      assert.equal((await t.client.post('/v2.0/ports', { port: { network_id: netId, tags: 'a' } })).status, 400);
      assert.equal((await t.client.post('/v2.0/ports', { port: { network_id: netId, tags: ['x'.repeat(256)] } })).status, 400);
      // tags are changed through the tags API, not a port update.
      assert.equal((await t.client.put(`/v2.0/ports/${one.body.port.id}`, { port: { tags: ['c'] } })).status, 400);
    });

    it('policy: a reader may not create, another project neither sees nor changes them', async () => {
      const reader = t.client.as({ roles: 'reader' });
      const denied = await reader.post('/v2.0/ports', { port: { network_id: netId, numa_affinity_policy: 'required', tags: ['r'] } });
      assert.equal(denied.status, 403);
      const p = (await t.client.post('/v2.0/ports', { port: { network_id: netId, numa_affinity_policy: 'legacy', device_profile: 'dp', tags: ['mine'] } })).body.port;
      const seen = (await reader.get(`/v2.0/ports/${p.id}`)).body.port;
      assert.equal(seen.numa_affinity_policy, 'legacy');
      assert.equal(seen.device_profile, 'dp');
      assert.equal((await reader.put(`/v2.0/ports/${p.id}`, { port: { numa_affinity_policy: 'required' } })).status, 403);
      const other = t.client.as({ project: 'project-b' });
      assert.equal((await other.get(`/v2.0/ports/${p.id}`)).status, 404);
      assert.equal((await other.put(`/v2.0/ports/${p.id}`, { port: { numa_affinity_policy: 'required' } })).status, 404);
      assert.equal((await other.post('/v2.0/ports', { port: { network_id: netId, tags: ['x'] } })).status, 404);
    });
  });
}
