// dns-domain-ports and dns-integration-domain-keywords through HTTP on SQLite and
// PostgreSQL: a port's dns_domain with Neutron's FQDN validation (keywords allowed as
// labels), stored lower-case, not changing dns_assignment; who may set and see it.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { dialects, startTestServer, type TestServer } from '../helpers/server.ts';

for (const dialect of dialects()) {
  describe(`port dns_domain (${dialect})`, () => {
    let t: TestServer;
    let netId: string;
    before(async () => {
      t = await startTestServer(dialect);
      netId = (await t.client.post('/v2.0/networks', { network: { name: 'n' } })).body.network.id;
      await t.client.post('/v2.0/subnets', { subnet: { network_id: netId, ip_version: 4, cidr: '10.80.0.0/24' } });
    });
    after(async () => t?.close());

    it('lists both aliases as Neutron Zed lists them', async () => {
      const exts = new Map(((await t.client.get('/v2.0/extensions')).body.extensions as { alias: string; name: string }[]).map((e) => [e.alias, e.name]));
      assert.equal(exts.get('dns-domain-ports'), 'dns_domain for ports');
      assert.equal(exts.get('dns-integration-domain-keywords'), 'DNS domain names with keywords allowed');
    });

    it('stores a FQDN, lower-case, filters by it, and leaves dns_assignment on the internal domain', async () => {
      const plain = (await t.client.post('/v2.0/ports', { port: { network_id: netId } })).body.port;
      assert.equal(plain.dns_domain, '');
      const res = await t.client.post('/v2.0/ports', { port: { network_id: netId, dns_name: 'vm1', dns_domain: 'Example.ORG.' } });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      assert.equal(res.body.port.dns_domain, 'example.org.');
      assert.equal(res.body.port.dns_assignment[0].fqdn, 'vm1.openstacklocal.');
      assert.deepEqual((await t.client.get('/v2.0/ports?dns_domain=example.org.')).body.ports.map((p: { id: string }) => p.id), [res.body.port.id]);
      const upd = await t.client.put(`/v2.0/ports/${res.body.port.id}`, { port: { dns_domain: 'other.example.' } });
      assert.equal(upd.status, 200);
      assert.equal(upd.body.port.dns_domain, 'other.example.');
      assert.equal((await t.client.put(`/v2.0/ports/${res.body.port.id}`, { port: { dns_domain: '' } })).body.port.dns_domain, '');
    });

    it('accepts the keywords as labels and refuses what Neutron refuses', async () => {
      const withKeywords = await t.client.post('/v2.0/ports', { port: { network_id: netId, dns_domain: '<project_name>.<user_id>.example.org.' } });
      assert.equal(withKeywords.status, 201, JSON.stringify(withKeywords.body));
      assert.equal(withKeywords.body.port.dns_domain, '<project_name>.<user_id>.example.org.');
      for (const bad of ['example.org', '<tenant>.example.org.', '-a.example.org.', 'a..example.', 'host.123.', `${'a'.repeat(64)}.org.`, `${'abcdefg.'.repeat(31)}abcde.`, 5]) {
        const res = await t.client.post('/v2.0/ports', { port: { network_id: netId, dns_domain: bad } });
        assert.equal(res.status, 400, `${String(bad)} → ${JSON.stringify(res.body)}`);
        assert.equal(res.body.NeutronError.type, 'HTTPBadRequest');
      }
    });

    it('policy: the owner sets it, a reader reads it, another project sees nothing', async () => {
      const p = (await t.client.post('/v2.0/ports', { port: { network_id: netId, dns_domain: 'mine.example.' } })).body.port;
      const reader = t.client.as({ roles: 'reader' });
      assert.equal((await reader.get(`/v2.0/ports/${p.id}`)).body.port.dns_domain, 'mine.example.');
      assert.equal((await reader.put(`/v2.0/ports/${p.id}`, { port: { dns_domain: 'x.example.' } })).status, 403);
      const other = t.client.as({ project: 'project-b' });
      assert.equal((await other.put(`/v2.0/ports/${p.id}`, { port: { dns_domain: 'x.example.' } })).status, 404);
      assert.deepEqual((await other.get('/v2.0/ports?dns_domain=mine.example.')).body.ports, []);
    });
  });
}
