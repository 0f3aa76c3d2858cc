// Router gateway IP QoS (qos-gateway-ip) through HTTP on SQLite and PostgreSQL:
// external_gateway_info.qos_policy_id on create and update (kept when not given, cleared
// with null and with the gateway), the policy's visibility, QosPolicyInUse, how the key is
// shown, and the policy for a member, a reader and another project.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { dialects, personas, startTestServer, type ApiClient, type TestServer } from '../helpers/server.ts';
import { ok } from '../helpers/responses.ts';
import { externalNetwork } from '../helpers/l3.ts';

for (const dialect of dialects()) {
  describe(`qos-gateway-ip (${dialect})`, () => {
    let t: TestServer;
    let member: ApiClient;
    let reader: ApiClient;
    let other: ApiClient;
    let ext: any;

    const policyFor = async (name: string, project = 'project-a') => ok(await t.admin.post('/v2.0/qos/policies', { policy: { name, project_id: project } })).policy;

    before(async () => {
      t = await startTestServer(dialect);
      ({ member, reader, other } = personas(t));
      ext = (await externalNetwork(t.admin, '203.0.113.0/24')).network;
    });
    after(async () => t?.close());

    it('is listed as Neutron lists it', async () => {
      const e = (await member.get('/v2.0/extensions/qos-gateway-ip')).body.extension;
      assert.deepEqual({ name: e.name, description: e.description, updated: e.updated }, { name: 'Router gateway IP QoS', description: 'The Router gateway IP Quality of Service extension', updated: '2018-02-24T00:00:00-00:00' });
    });

    it('sets, keeps, changes and clears the gateway policy', async () => {
      const gold = await policyFor('gold');
      const silver = await policyFor('silver');
      const router = ok(await member.post('/v2.0/routers', { router: { name: 'q', external_gateway_info: { network_id: ext.id, qos_policy_id: gold.id } } })).router;
      assert.equal(router.external_gateway_info.qos_policy_id, gold.id);
      assert.equal(router.external_gateway_info.network_id, ext.id);
      const path = `/v2.0/routers/${router.id}`;
      assert.equal((await reader.get(path)).body.router.external_gateway_info.qos_policy_id, gold.id);

      // A gateway update without the key keeps the policy; another policy replaces it.
      const kept = ok(await member.put(path, { router: { external_gateway_info: { network_id: ext.id } } }), 200).router;
      assert.equal(kept.external_gateway_info.qos_policy_id, gold.id);
      assert.equal(ok(await member.put(path, { router: { name: 'renamed' } }), 200).router.external_gateway_info.qos_policy_id, gold.id);
      const changed = ok(await member.put(path, { router: { external_gateway_info: { network_id: ext.id, qos_policy_id: silver.id } } }), 200).router;
      assert.equal(changed.external_gateway_info.qos_policy_id, silver.id);

      // In use: not deleted.
      const inUse = await t.admin.del(`/v2.0/qos/policies/${silver.id}`);
      assert.equal(inUse.status, 409, JSON.stringify(inUse.body));
      assert.equal(inUse.body.NeutronError.type, 'QosPolicyInUse');
      assert.equal(inUse.body.NeutronError.message, `QoS Policy ${silver.id} is used by router ${router.id}.`);
      ok(await t.admin.del(`/v2.0/qos/policies/${gold.id}`), 204);

      // null clears it (and without any policy the key is not shown, as Neutron).
      const cleared = ok(await member.put(path, { router: { external_gateway_info: { network_id: ext.id, qos_policy_id: null } } }), 200).router;
      assert.ok(!('qos_policy_id' in cleared.external_gateway_info), JSON.stringify(cleared));
      ok(await member.put(path, { router: { external_gateway_info: { network_id: ext.id, qos_policy_id: silver.id } } }), 200);
      // The gateway goes: so does the policy.
      assert.equal(ok(await member.put(path, { router: { external_gateway_info: {} } }), 200).router.external_gateway_info, null);
      const back = ok(await member.put(path, { router: { external_gateway_info: { network_id: ext.id } } }), 200).router;
      assert.ok(!('qos_policy_id' in back.external_gateway_info));
      ok(await t.admin.del(`/v2.0/qos/policies/${silver.id}`), 204);
      ok(await member.del(path), 204);
    });

    it('validates the key and the policy, leaving nothing behind', async () => {
      const bad = await member.post('/v2.0/routers', { router: { name: 'bad', external_gateway_info: { network_id: ext.id, qos_policy_id: 'fast' } } });
      assert.equal(bad.status, 400);
      const theirs = await policyFor('theirs', 'project-b');
      const hidden = await member.post('/v2.0/routers', { router: { name: 'bad', external_gateway_info: { network_id: ext.id, qos_policy_id: theirs.id } } });
      assert.equal(hidden.status, 404, JSON.stringify(hidden.body));
      assert.equal(hidden.body.NeutronError.type, 'QosPolicyNotFound');
      const missing = await member.post('/v2.0/routers', { router: { name: 'bad', external_gateway_info: { network_id: ext.id, qos_policy_id: '00000000-0000-0000-0000-000000000000' } } });
      assert.equal(missing.status, 404);
      const unknown = await member.post('/v2.0/routers', { router: { name: 'bad', external_gateway_info: { network_id: ext.id, color: 'red' } } });
      assert.equal(unknown.status, 400);
      assert.match(unknown.body.NeutronError.message, /Unrecognized attribute\(s\) 'color'/);
      assert.equal((await member.get('/v2.0/routers?name=bad')).body.routers.length, 0);
      assert.equal((await t.admin.get(`/v2.0/ports?network_id=${ext.id}&device_owner=network:router_gateway`)).body.ports.length, 0, 'no gateway port left behind');
      // A shared policy of another project may be used.
      const shared = ok(await t.admin.post('/v2.0/qos/policies', { policy: { name: 'shared', project_id: 'project-b', shared: true } })).policy;
      const router = ok(await member.post('/v2.0/routers', { router: { name: 'shared', external_gateway_info: { network_id: ext.id, qos_policy_id: shared.id } } })).router;
      assert.equal(router.external_gateway_info.qos_policy_id, shared.id);
      ok(await member.del(`/v2.0/routers/${router.id}`), 204);
      ok(await t.admin.del(`/v2.0/qos/policies/${shared.id}`), 204); // the router took its binding along
    });

    it("shows null when only the external network's policy applies", async () => {
      const netPolicy = await policyFor('net', 'admin-project');
      const qosExt = (await externalNetwork(t.admin, '198.51.100.0/24', { qos_policy_id: netPolicy.id })).network;
      const router = ok(await member.post('/v2.0/routers', { router: { name: 'n', external_gateway_info: { network_id: qosExt.id } } })).router;
      assert.equal(router.external_gateway_info.qos_policy_id, null);
      ok(await member.del(`/v2.0/routers/${router.id}`), 204);
    });

    it('follows the router policy: a reader and another project cannot set it', async () => {
      const policy = await policyFor('p');
      const router = ok(await member.post('/v2.0/routers', { router: { name: 'pol', external_gateway_info: { network_id: ext.id } } })).router;
      const path = `/v2.0/routers/${router.id}`;
      assert.equal((await reader.put(path, { router: { external_gateway_info: { network_id: ext.id, qos_policy_id: policy.id } } })).status, 403);
      assert.equal((await other.put(path, { router: { external_gateway_info: { network_id: ext.id, qos_policy_id: policy.id } } })).status, 404);
      assert.equal((await other.get(path)).status, 404);
      assert.ok(!('qos_policy_id' in (await member.get(path)).body.router.external_gateway_info), 'unchanged');
      ok(await member.del(path), 204);
    });
  });
}
