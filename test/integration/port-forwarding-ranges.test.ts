// Port forwardings with port ranges (floating-ip-port-forwarding-port-ranges) through HTTP
// on SQLite and PostgreSQL, at /v2.0/floatingips/{id}/port_forwardings: ranges and single
// ports (mutually exclusive per side), the N-N / 1-N relation, overlap checks on both
// sides, how forwardings render, updates, filters, and the policy for a member, a reader
// and another project.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { dialects, personas, startTestServer, type ApiClient, type TestServer } from '../helpers/server.ts';
import { externalNetwork, networkWithSubnet } from '../helpers/l3.ts';

for (const dialect of dialects()) {
  describe(`port forwarding port ranges (${dialect})`, () => {
    let t: TestServer;
    let member: ApiClient;
    let reader: ApiClient;
    let other: ApiClient;
    let fip: any;
    let port: any;
    let base: string;

    const refused = (res: { status: number; body: any }, pattern: RegExp, type = 'BadRequest') => {
      assert.equal(res.status, 400, JSON.stringify(res.body));
      assert.equal(res.body.NeutronError.type, type, JSON.stringify(res.body));
      assert.match(res.body.NeutronError.message, pattern);
    };
    const create = (body: Record<string, unknown>, client = member) =>
      client.post(base, { port_forwarding: { protocol: 'tcp', internal_port_id: port.id, ...body } });

    before(async () => {
      t = await startTestServer(dialect);
      ({ member, reader, other } = personas(t));
      const ext = await externalNetwork(t.admin, '203.0.113.0/24');
      const inside = await networkWithSubnet(member, '10.50.0.0/24');
      const router = (await member.post('/v2.0/routers', { router: { name: 'pf', external_gateway_info: { network_id: ext.network.id } } })).body.router;
      assert.equal((await member.put(`/v2.0/routers/${router.id}/add_router_interface`, { subnet_id: inside.subnet.id })).status, 200);
      port = (await member.post('/v2.0/ports', { port: { network_id: inside.network.id } })).body.port;
      fip = (await member.post('/v2.0/floatingips', { floatingip: { floating_network_id: ext.network.id } })).body.floatingip;
      base = `/v2.0/floatingips/${fip.id}/port_forwardings`;
    });
    after(async () => t?.close());

    it('is listed as Neutron lists it', async () => {
      const ext = (await member.get('/v2.0/extensions/floating-ip-port-forwarding-port-ranges')).body.extension;
      assert.deepEqual(
        { name: ext.name, description: ext.description, updated: ext.updated },
        { name: 'Floating IP Port Forwarding support port ranges', description: 'Add suport to port ranges', updated: '2020-07-01T10:00:00-00:00' },
      );
    });

    it('forwards ranges N-N and 1-N, and renders both forms', async () => {
      const nn = await create({ external_port_range: '8000:8010', internal_port_range: '9000:9010' });
      assert.equal(nn.status, 201, JSON.stringify(nn.body));
      const pf = nn.body.port_forwarding;
      assert.equal(pf.external_port_range, '8000:8010');
      assert.equal(pf.internal_port_range, '9000:9010');
      assert.equal(pf.external_port, null);
      assert.equal(pf.internal_port, null);
      const oneToN = await create({ external_port_range: '7000:7005', internal_port: 22 });
      assert.equal(oneToN.status, 201, JSON.stringify(oneToN.body));
      assert.equal(oneToN.body.port_forwarding.internal_port, 22);
      assert.equal(oneToN.body.port_forwarding.internal_port_range, '22:22');
      const single = (await create({ external_port: 2222, internal_port: 22, protocol: 'udp' })).body.port_forwarding;
      assert.equal(single.external_port_range, '2222:2222');
      assert.equal(single.external_port, 2222);
      const asText = await create({ external_port_range: '6000', internal_port_range: 6000 });
      assert.equal(asText.status, 201, JSON.stringify(asText.body));
      assert.equal(asText.body.port_forwarding.external_port, 6000);

      // Shown the same way on reads, filters and the floating IP.
      assert.deepEqual((await reader.get(`${base}/${pf.id}`)).body.port_forwarding, pf);
      assert.deepEqual((await reader.get(`${base}?external_port_range=8000:8010`)).body.port_forwardings.map((p: { id: string }) => p.id), [pf.id]);
      assert.equal((await reader.get(`${base}?external_port_range=8000:9999`)).body.port_forwardings.length, 0);
      assert.equal((await reader.get(`${base}?external_port_range=bad`)).status, 400);
      const summary = (await reader.get(`/v2.0/floatingips/${fip.id}`)).body.floatingip.port_forwardings.find((p: { id: string }) => p.id === pf.id);
      assert.equal(summary.external_port_range, '8000:8010');

      // Updates: a range replaces a single port and back; the relation still holds.
      const widened = await member.put(`${base}/${single.id}`, { port_forwarding: { external_port_range: '2222:2223', internal_port_range: '22:23' } });
      assert.equal(widened.status, 200, JSON.stringify(widened.body));
      assert.equal(widened.body.port_forwarding.external_port, null);
      assert.equal(widened.body.port_forwarding.external_port_range, '2222:2223');
      refused(await member.put(`${base}/${single.id}`, { port_forwarding: { external_port_range: '2222:2230' } }), /must be N-N or 1-N/);
      const narrowed = await member.put(`${base}/${single.id}`, { port_forwarding: { external_port: 2224, internal_port: 24 } });
      assert.equal(narrowed.status, 200, JSON.stringify(narrowed.body));
      assert.equal(narrowed.body.port_forwarding.external_port_range, '2224:2224');
      for (const p of [pf, oneToN.body.port_forwarding, single, asText.body.port_forwarding]) assert.equal((await member.del(`${base}/${p.id}`)).status, 204);
    });

    it('validates ranges as Neutron does, leaving nothing behind', async () => {
      refused(await create({ external_port: 80, external_port_range: '80:81', internal_port: 8080 }), /cannot be given together/);
      refused(await create({ external_port: 80, internal_port: 8080, internal_port_range: '8080:8081' }), /cannot be given together/);
      refused(await create({ internal_port: 8080 }), /Required attribute 'external_port' or 'external_port_range'/, 'HTTPBadRequest');
      refused(await create({ external_port_range: '80:90', internal_port_range: '80:85' }), /must be N-N or 1-N/);
      refused(await create({ external_port_range: '90:80', internal_port: 22 }), /First port in a port range must be lower/, 'HTTPBadRequest');
      refused(await create({ external_port_range: '1:2:3', internal_port: 22 }), /two integers separated by a colon/, 'HTTPBadRequest');
      refused(await create({ external_port_range: '0:10', internal_port: 22 }), /Invalid port: 0/, 'HTTPBadRequest');
      refused(await create({ external_port_range: '65530:70000', internal_port: 22 }), /Invalid port: 70000/, 'HTTPBadRequest');
      refused(await create({ external_port_range: 'a:b', internal_port: 22 }), /Invalid port: a/, 'HTTPBadRequest');
      assert.deepEqual((await member.get(base)).body.port_forwardings, []);
    });

    it('refuses overlapping ranges on either side', async () => {
      const first = (await create({ external_port_range: '100:110', internal_port_range: '200:210' })).body.port_forwarding;
      refused(await create({ external_port_range: '110:120', internal_port_range: '300:310' }), /collision with the external_port_range. The following ranges collide: 100:110 and 110:120/);
      refused(await create({ external_port: 105, internal_port: 22 }), /collision with the external_port_range/);
      refused(await create({ external_port_range: '400:410', internal_port_range: '205:215' }), /collision with the internal_port_range/);
      // Another protocol is another socket.
      assert.equal((await create({ external_port_range: '100:110', internal_port_range: '200:210', protocol: 'udp' })).status, 201);
      const second = (await create({ external_port_range: '111:121', internal_port_range: '211:221' })).body.port_forwarding;
      refused(await member.put(`${base}/${second.id}`, { port_forwarding: { external_port_range: '105:115' } }), /collision with the external_port_range/);
      // A forwarding does not collide with itself.
      assert.equal((await member.put(`${base}/${first.id}`, { port_forwarding: { external_port_range: '101:111', internal_port_range: '200:210' } })).status, 400, 'collides with the second');
      assert.equal((await member.put(`${base}/${first.id}`, { port_forwarding: { external_port_range: '99:109', internal_port_range: '199:209' } })).status, 200);
      for (const p of (await member.get(base)).body.port_forwardings) assert.equal((await member.del(`${base}/${p.id}`)).status, 204);
    });

    it('follows the default policy for ranged forwardings', async () => {
      assert.equal((await create({ external_port_range: '500:501', internal_port_range: '500:501' }, reader)).status, 403);
      const pf = (await create({ external_port_range: '500:501', internal_port_range: '500:501' })).body.port_forwarding;
      assert.equal((await reader.get(`${base}/${pf.id}`)).body.port_forwarding.external_port_range, '500:501');
      assert.equal((await reader.put(`${base}/${pf.id}`, { port_forwarding: { external_port_range: '502:503' } })).status, 403);
      assert.equal((await other.get(`${base}/${pf.id}`)).status, 404);
      assert.equal((await other.put(`${base}/${pf.id}`, { port_forwarding: { external_port_range: '502:503' } })).status, 404);
      assert.equal((await other.post(base, { port_forwarding: { protocol: 'tcp', internal_port_id: port.id, external_port_range: '600:601', internal_port_range: '600:601' } })).status, 404);
      assert.equal((await t.admin.get(`${base}/${pf.id}`)).body.port_forwarding.external_port_range, '500:501', 'unchanged');
      assert.equal((await member.del(`${base}/${pf.id}`)).status, 204);
    });
  });
}
