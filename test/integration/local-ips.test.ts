// Local IPs (/v2.0/local_ips) and their port associations
// (/v2.0/local_ips/{id}/port_associations[/{fixed_port_id}]) through HTTP on SQLite and
// PostgreSQL: the address from a port or from a port made on a network, Neutron's
// validation and errors, what stays while in use, and the default policy for a member, a
// reader and another project.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { dialects, personas, startTestServer, type ApiClient, type TestServer } from '../helpers/server.ts';
import { ok, refused } from '../helpers/responses.ts';

/** An address of 10.20.0.0/24 the port does not hold (its addresses are allocated at random). */
const addressNotOf = (port: { fixed_ips: { ip_address: string }[] }): string =>
  ['10.20.0.250', '10.20.0.249', '10.20.0.248'].find((a) => !port.fixed_ips.some((f) => f.ip_address === a))!;

for (const dialect of dialects()) {
  describe(`local IPs (${dialect})`, () => {
    let t: TestServer;
    let member: ApiClient;
    let reader: ApiClient;
    let other: ApiClient;
    let network: any;
    let subnet: any;

    const portOn = async (client: ApiClient, body: Record<string, unknown> = {}) => ok(await client.post('/v2.0/ports', { port: { network_id: network.id, ...body } })).port;

    before(async () => {
      t = await startTestServer(dialect);
      ({ member, reader, other } = personas(t));
      network = ok(await member.post('/v2.0/networks', { network: { name: 'lip' } })).network;
      subnet = ok(await member.post('/v2.0/subnets', { subnet: { network_id: network.id, ip_version: 4, cidr: '10.20.0.0/24' } })).subnet;
    });
    after(async () => t?.close());

    it('is listed as Neutron lists it', async () => {
      const ext = (await member.get('/v2.0/extensions/local_ip')).body.extension;
      assert.deepEqual({ name: ext.name, description: ext.description, updated: ext.updated }, { name: 'Local IP', description: 'Support Node Local Virtual IP', updated: '2021-07-26T10:00:00-00:00' });
    });

    it('takes its address from a new port on a network, and deletes that port with it', async () => {
      const lip = ok(await member.post('/v2.0/local_ips', { local_ip: { name: 'dns', network_id: network.id, local_ip_address: '10.20.0.53' } })).local_ip;
      assert.deepEqual(
        Object.keys(lip).sort(),
        ['created_at', 'description', 'id', 'ip_mode', 'local_ip_address', 'local_port_id', 'name', 'network_id', 'project_id', 'revision_number', 'tags', 'tenant_id', 'updated_at'],
      );
      assert.equal(lip.local_ip_address, '10.20.0.53');
      assert.equal(lip.ip_mode, 'translate');
      assert.equal(lip.network_id, network.id);
      const port = (await t.admin.get(`/v2.0/ports/${lip.local_port_id}`)).body.port;
      assert.equal(port.device_owner, 'network:local_ip');
      assert.equal(port.device_id, lip.id);
      assert.deepEqual(port.fixed_ips.map((ip: { ip_address: string }) => ip.ip_address), ['10.20.0.53']);
      // The port is the local IP's: not deleted directly.
      refused(await t.admin.del(`/v2.0/ports/${port.id}`), 409, 'ServicePortInUse');

      const auto = ok(await member.post('/v2.0/local_ips', { local_ip: { network_id: network.id, ip_mode: 'passthrough' } })).local_ip;
      assert.match(auto.local_ip_address, /^10\.20\.0\.\d+$/);
      assert.equal(auto.ip_mode, 'passthrough');
      assert.deepEqual((await reader.get('/v2.0/local_ips?ip_mode=passthrough')).body.local_ips.map((l: { id: string }) => l.id), [auto.id]);
      const renamed = ok(await member.put(`/v2.0/local_ips/${lip.id}`, { local_ip: { name: 'dns2', description: 'resolver' } }), 200).local_ip;
      assert.equal(renamed.name, 'dns2');
      refused(await member.put(`/v2.0/local_ips/${lip.id}`, { local_ip: { ip_mode: 'passthrough' } }), 400, 'HTTPBadRequest');
      refused(await member.put(`/v2.0/local_ips/${lip.id}`, { local_ip: { local_ip_address: '10.20.0.54' } }), 400, 'HTTPBadRequest');

      ok(await member.del(`/v2.0/local_ips/${lip.id}`), 204);
      refused(await member.get(`/v2.0/local_ips/${lip.id}`), 404, 'LocalIPNotFound');
      assert.equal((await t.admin.get(`/v2.0/ports/${port.id}`)).status, 404, 'its port went with it');
      ok(await member.del(`/v2.0/local_ips/${auto.id}`), 204);
    });

    it('takes its address from a given port, which stays', async () => {
      const port = await portOn(member);
      const lip = ok(await member.post('/v2.0/local_ips', { local_ip: { local_port_id: port.id } })).local_ip;
      assert.equal(lip.local_ip_address, port.fixed_ips[0].ip_address);
      assert.equal(lip.local_port_id, port.id);
      refused(await member.del(`/v2.0/ports/${port.id}`), 409, 'ServicePortInUse');
      ok(await member.del(`/v2.0/local_ips/${lip.id}`), 204);
      assert.equal((await member.get(`/v2.0/ports/${port.id}`)).status, 200, 'a given port is not deleted');
      ok(await member.del(`/v2.0/ports/${port.id}`), 204);
    });

    it('validates as Neutron does, leaving nothing behind', async () => {
      refused(await member.post('/v2.0/local_ips', { local_ip: { name: 'x' } }), 400, 'LocalIPPortOrNetworkRequired');
      refused(await member.post('/v2.0/local_ips', { local_ip: { network_id: network.id, ip_mode: 'bridge' } }), 400, 'HTTPBadRequest');
      refused(await member.post('/v2.0/local_ips', { local_ip: { network_id: network.id, local_ip_address: 'ten' } }), 400, 'HTTPBadRequest');
      const v6 = ok(await member.post('/v2.0/networks', { network: { name: 'v6only' } })).network;
      ok(await member.post('/v2.0/subnets', { subnet: { network_id: v6.id, ip_version: 6, cidr: '2001:db8:7::/64' } }));
      assert.match(refused(await member.post('/v2.0/local_ips', { local_ip: { network_id: v6.id } }), 400, 'BadRequest'), /does not contain any IPv4 subnet/);
      refused(await member.post('/v2.0/local_ips', { local_ip: { network_id: '00000000-0000-0000-0000-000000000000' } }), 404, 'NetworkNotFound');
      assert.match(refused(await member.post('/v2.0/local_ips', { local_ip: { local_port_id: '00000000-0000-0000-0000-000000000000' } }), 400, 'BadRequest'), /Port .* not found/);
      const twoIps = await portOn(member, { fixed_ips: [{ subnet_id: subnet.id }, { subnet_id: subnet.id }] });
      refused(await member.post('/v2.0/local_ips', { local_ip: { local_port_id: twoIps.id } }), 400, 'LocalIPNoRequestedIP');
      refused(await member.post('/v2.0/local_ips', { local_ip: { local_port_id: twoIps.id, local_ip_address: addressNotOf(twoIps) } }), 400, 'LocalIPRequestedIPNotFound');
      const noIp = await portOn(member, { fixed_ips: [] });
      refused(await member.post('/v2.0/local_ips', { local_ip: { local_port_id: noIp.id } }), 400, 'LocalIPNoIP');
      // An address outside the network's subnets: no port is left behind.
      const before = (await t.admin.get(`/v2.0/ports?network_id=${network.id}`)).body.ports.length;
      assert.equal((await member.post('/v2.0/local_ips', { local_ip: { network_id: network.id, local_ip_address: '192.0.2.1' } })).status, 400);
      assert.equal((await t.admin.get(`/v2.0/ports?network_id=${network.id}`)).body.ports.length, before);
      assert.equal((await member.get('/v2.0/local_ips')).body.local_ips.length, 0);
      for (const p of [twoIps, noIp]) ok(await member.del(`/v2.0/ports/${p.id}`), 204);
    });

    it('associates ports, keyed by the port, and stays while associated', async () => {
      const lip = ok(await member.post('/v2.0/local_ips', { local_ip: { network_id: network.id } })).local_ip;
      const base = `/v2.0/local_ips/${lip.id}/port_associations`;
      // A VM's port, bound to its host by an admin (Nova's part).
      const vm = await portOn(t.admin, { project_id: 'project-a', 'binding:host_id': 'compute-1' });
      const created = ok(await member.post(base, { port_association: { fixed_port_id: vm.id } })).port_association;
      assert.deepEqual(created, { local_ip_id: lip.id, local_ip_address: lip.local_ip_address, fixed_port_id: vm.id, fixed_ip: vm.fixed_ips[0].ip_address, host: 'compute-1' });
      refused(await member.post(base, { port_association: { fixed_port_id: vm.id } }), 409, 'Conflict');
      const twoIps = await portOn(member, { fixed_ips: [{ subnet_id: subnet.id }, { subnet_id: subnet.id }] });
      refused(await member.post(base, { port_association: { fixed_port_id: twoIps.id } }), 400, 'LocalIPNoRequestedIP');
      refused(await member.post(base, { port_association: { fixed_port_id: twoIps.id, fixed_ip: addressNotOf(twoIps) } }), 400, 'LocalIPRequestedIPNotFound');
      const second = ok(await member.post(base, { port_association: { fixed_port_id: twoIps.id, fixed_ip: twoIps.fixed_ips[1].ip_address } })).port_association;
      assert.equal(second.fixed_ip, twoIps.fixed_ips[1].ip_address);
      refused(await member.post(base, { port_association: {} }), 400, 'HTTPBadRequest');
      refused(await member.post(base, { port_association: { fixed_port_id: 'nope' } }), 400, 'HTTPBadRequest');
      refused(await member.post(base, { port_association: { fixed_port_id: '00000000-0000-0000-0000-000000000000' } }), 400, 'BadRequest');

      const listed = (await reader.get(base)).body.port_associations;
      assert.deepEqual(listed.map((a: { fixed_port_id: string }) => a.fixed_port_id).sort(), [vm.id, twoIps.id].sort());
      assert.deepEqual((await reader.get(`${base}?fixed_port_id=${vm.id}&fields=fixed_ip`)).body.port_associations, [{ fixed_ip: vm.fixed_ips[0].ip_address }]);
      assert.equal((await reader.get(`${base}?color=red`)).status, 400);
      assert.deepEqual((await reader.get(`${base}/${vm.id}`)).body.port_association, created);
      refused(await reader.get(`${base}/${subnet.id}`), 404, 'LocalIPAssociationNotFound');

      refused(await member.del(`/v2.0/local_ips/${lip.id}`), 409, 'LocalIPInUse');
      ok(await member.del(`${base}/${vm.id}`), 204);
      refused(await member.del(`${base}/${vm.id}`), 404, 'LocalIPAssociationNotFound');
      // Deleting an associated port ends its association.
      ok(await member.del(`/v2.0/ports/${twoIps.id}`), 204);
      assert.deepEqual((await member.get(base)).body.port_associations, []);
      ok(await member.del(`/v2.0/local_ips/${lip.id}`), 204);
      refused(await member.get(base), 404, 'LocalIPNotFound');
      ok(await member.del(`/v2.0/ports/${vm.id}`), 204);
    });

    it("follows Neutron's default policy: members manage, readers read, other projects see nothing", async () => {
      refused(await reader.post('/v2.0/local_ips', { local_ip: { network_id: network.id } }), 403, 'PolicyNotAuthorized');
      const lip = ok(await member.post('/v2.0/local_ips', { local_ip: { network_id: network.id } })).local_ip;
      const base = `/v2.0/local_ips/${lip.id}/port_associations`;
      assert.equal((await reader.get(`/v2.0/local_ips/${lip.id}`)).status, 200);
      refused(await reader.put(`/v2.0/local_ips/${lip.id}`, { local_ip: { name: 'r' } }), 403, 'PolicyNotAuthorized');
      refused(await reader.del(`/v2.0/local_ips/${lip.id}`), 403, 'PolicyNotAuthorized');
      const vm = await portOn(member);
      // Neutron's association rules also pass for the local IP's owner project by itself
      // (rule:ext_parent_owner carries no role), so a reader of the project may associate.
      ok(await reader.post(base, { port_association: { fixed_port_id: vm.id } }));
      assert.equal((await reader.get(base)).body.port_associations.length, 1);

      for (const res of [
        await other.get(`/v2.0/local_ips/${lip.id}`),
        await other.put(`/v2.0/local_ips/${lip.id}`, { local_ip: { name: 'o' } }),
        await other.del(`/v2.0/local_ips/${lip.id}`),
        await other.get(base),
        await other.get(`${base}/${vm.id}`),
        await other.post(base, { port_association: { fixed_port_id: vm.id } }),
        await other.del(`${base}/${vm.id}`),
      ]) {
        refused(res, 404, 'LocalIPNotFound');
      }
      assert.ok(!(await other.get('/v2.0/local_ips')).body.local_ips.some((l: { id: string }) => l.id === lip.id));
      // Another project's port cannot be associated with one's own local IP.
      const theirs = ok(await other.post('/v2.0/networks', { network: { name: 'b' } })).network;
      ok(await other.post('/v2.0/subnets', { subnet: { network_id: theirs.id, ip_version: 4, cidr: '10.30.0.0/24' } }));
      const theirPort = ok(await other.post('/v2.0/ports', { port: { network_id: theirs.id } })).port;
      refused(await member.post(base, { port_association: { fixed_port_id: theirPort.id } }), 400, 'BadRequest');
      refused(await other.post('/v2.0/local_ips', { local_ip: { local_port_id: vm.id } }), 400, 'BadRequest');
      assert.equal((await t.admin.get(`${base}/${vm.id}`)).status, 200, 'admins see every association');
      ok(await t.admin.del(`${base}/${vm.id}`), 204);
      ok(await t.admin.del(`/v2.0/local_ips/${lip.id}`), 204);
    });
  });
}
