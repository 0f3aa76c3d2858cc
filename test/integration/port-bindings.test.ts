// binding-extended through HTTP on SQLite and PostgreSQL, with the linux backend binding
// (its agents register through agent reports): a live migration as Nova drives it — an
// INACTIVE binding on the destination, activate, delete the source's — plus Neutron's errors
// and policy (admin only; a member, a reader and another project).
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { dialects, startTestServer, type ApiClient, type TestServer } from '../helpers/server.ts';

const l2 = (host: string) => ({ agent_type: 'Linux bridge agent', binary: 'neutrino-agent', topic: 'N/A', host, configurations: { tunneling_ip: '192.0.2.1', interface_mappings: {} } });

for (const dialect of dialects()) {
  describe(`port bindings (${dialect})`, () => {
    let t: TestServer;
    let netId: string;
    const computePort = async (host = 'src-host') => {
      const res = await t.client.post('/v2.0/ports', { port: { network_id: netId, device_owner: 'compute:nova', device_id: 'vm-1' } });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      if (host) assert.equal((await t.admin.put(`/v2.0/ports/${res.body.port.id}`, { port: { 'binding:host_id': host } })).status, 200);
      return res.body.port.id as string;
    };
    const bindings = (c: ApiClient, portId: string) => `/v2.0/ports/${portId}/bindings`;

    before(async () => {
      t = await startTestServer(dialect, { 'backend.driver': 'linux' });
      const service = t.admin.as({ project: 'service', roles: 'service' });
      assert.equal((await service.post('/v2.0/agent-reports', { agents: [l2('src-host'), l2('dst-host'), l2('third-host')] })).status, 200);
      netId = (await t.client.post('/v2.0/networks', { network: { name: 'n' } })).body.network.id;
      await t.client.post('/v2.0/subnets', { subnet: { network_id: netId, ip_version: 4, cidr: '10.70.0.0/24' } });
    });
    after(async () => t?.close());

    it('is listed as Neutron Zed lists it', async () => {
      const ext = (await t.client.get('/v2.0/extensions/binding-extended')).body.extension;
      assert.equal(ext.name, 'Port Bindings Extended');
      assert.equal(ext.updated, '2017-07-17T10:00:00-00:00');
    });

    it('live migration: inactive binding on the destination, activate, delete the source binding', async () => {
      const portId = await computePort();
      const list0 = await t.admin.get(bindings(t.admin, portId));
      assert.equal(list0.status, 200, JSON.stringify(list0.body));
      assert.deepEqual(
        list0.body.bindings.map((b: { host: string; status: string; vif_type: string }) => [b.host, b.status, b.vif_type]),
        [['src-host', 'ACTIVE', 'tap']],
      );
      const created = await t.admin.post(bindings(t.admin, portId), { binding: { host: 'dst-host', profile: { migrating_to: 'dst-host' } } });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      assert.deepEqual(
        { ...created.body.binding, vif_details: undefined },
        { host: 'dst-host', vif_type: 'tap', vif_details: undefined, vnic_type: 'normal', profile: { migrating_to: 'dst-host' }, status: 'INACTIVE' },
      );
      assert.equal(created.body.binding.vif_details.devname, `tap${portId.slice(0, 11)}`);
      // The port itself has not moved.
      const before = (await t.admin.get(`/v2.0/ports/${portId}`)).body.port;
      assert.equal(before['binding:host_id'], 'src-host');
      const shown = await t.admin.get(`${bindings(t.admin, portId)}/dst-host`);
      assert.equal(shown.body.binding.status, 'INACTIVE');
      assert.deepEqual((await t.admin.get(`${bindings(t.admin, portId)}?status=INACTIVE&fields=host`)).body.bindings, [{ host: 'dst-host' }]);

      const activated = await t.admin.put(`${bindings(t.admin, portId)}/dst-host/activate`, {});
      assert.equal(activated.status, 200, JSON.stringify(activated.body));
      assert.equal(activated.body.binding.status, 'ACTIVE');
      assert.equal(activated.body.binding.host, 'dst-host');
      const moved = (await t.admin.get(`/v2.0/ports/${portId}`)).body.port;
      assert.equal(moved['binding:host_id'], 'dst-host');
      assert.deepEqual(moved['binding:profile'], { migrating_to: 'dst-host' });
      assert.equal(moved['binding:vif_type'], 'tap');
      assert.ok(moved.revision_number > before.revision_number);
      const after = (await t.admin.get(bindings(t.admin, portId))).body.bindings.map((b: { host: string; status: string }) => [b.host, b.status]);
      assert.deepEqual(after, [['dst-host', 'ACTIVE'], ['src-host', 'INACTIVE']]);
      const again = await t.admin.put(`${bindings(t.admin, portId)}/dst-host/activate`, {});
      assert.equal(again.status, 409);
      assert.equal(again.body.NeutronError.type, 'PortBindingAlreadyActive');

      assert.equal((await t.admin.del(`${bindings(t.admin, portId)}/src-host`)).status, 204);
      assert.deepEqual((await t.admin.get(bindings(t.admin, portId))).body.bindings.map((b: { host: string }) => b.host), ['dst-host']);
      const gone = await t.admin.get(`${bindings(t.admin, portId)}/src-host`);
      assert.equal(gone.status, 404);
      assert.equal(gone.body.NeutronError.type, 'PortBindingNotFound');
    });

    it("Neutron's errors: exists, not found, unbindable host, non-compute port, bad input", async () => {
      const portId = await computePort();
      const dup = await t.admin.post(bindings(t.admin, portId), { binding: { host: 'src-host' } });
      assert.equal(dup.status, 409);
      assert.equal(dup.body.NeutronError.type, 'PortBindingAlreadyExists');
      assert.equal((await t.admin.post(bindings(t.admin, portId), { binding: { host: 'dst-host' } })).status, 201);
      const dup2 = await t.admin.post(bindings(t.admin, portId), { binding: { host: 'dst-host' } });
      assert.equal(dup2.body.NeutronError.type, 'PortBindingAlreadyExists');
      const none = await t.admin.put(`${bindings(t.admin, portId)}/nowhere/activate`, {});
      assert.equal(none.status, 404);
      assert.equal(none.body.NeutronError.type, 'PortBindingNotFound');
      assert.equal((await t.admin.del(`${bindings(t.admin, portId)}/nowhere`)).status, 404);
      // No agent on the host: the backend cannot bind there, and nothing is stored.
      const failed = await t.admin.post(bindings(t.admin, portId), { binding: { host: 'no-agent-host' } });
      assert.equal(failed.status, 500);
      assert.equal(failed.body.NeutronError.type, 'PortBindingError');
      assert.equal((await t.admin.get(`${bindings(t.admin, portId)}/no-agent-host`)).status, 404);
      // The linux backend binds only vnic_type normal.
      const direct = await t.admin.post(bindings(t.admin, portId), { binding: { host: 'third-host', vnic_type: 'direct' } });
      assert.equal(direct.body.NeutronError.type, 'PortBindingError');
      assert.equal((await t.admin.post(bindings(t.admin, portId), { binding: { host: 'third-host', vnic_type: 'bogus' } })).status, 400);
      assert.equal((await t.admin.post(bindings(t.admin, portId), { binding: {} })).status, 400);
      assert.equal((await t.admin.post(bindings(t.admin, portId), { binding: { host: 'third-host', vif_type: 'ovs' } })).status, 400);
      assert.equal((await t.admin.post(bindings(t.admin, portId), { binding: { host: 'third-host', profile: 'x' } })).status, 400);
      // Updating an inactive binding binds it again; the active one moves the port's attributes.
      const upd = await t.admin.put(`${bindings(t.admin, portId)}/dst-host`, { binding: { profile: { pci_slot: '0000:00:01.0' } } });
      assert.equal(upd.status, 200, JSON.stringify(upd.body));
      assert.deepEqual(upd.body.binding.profile, { pci_slot: '0000:00:01.0' });
      assert.equal(upd.body.binding.status, 'INACTIVE');
      const updActive = await t.admin.put(`${bindings(t.admin, portId)}/src-host`, { binding: { profile: { a: 1 } } });
      assert.equal(updActive.status, 200);
      assert.deepEqual((await t.admin.get(`/v2.0/ports/${portId}`)).body.port['binding:profile'], { a: 1 });
      assert.equal((await t.admin.put(`${bindings(t.admin, portId)}/src-host`, { binding: { host: 'x' } })).status, 400);
      // Only compute (and shared filesystem) ports have several bindings.
      const plain = (await t.admin.post('/v2.0/ports', { port: { network_id: netId } })).body.port;
      const notCompute = await t.admin.post(bindings(t.admin, plain.id), { binding: { host: 'dst-host' } });
      assert.equal(notCompute.status, 400);
      assert.match(notCompute.body.NeutronError.message, /only valid on compute and shared filesystem ports/);
      const missing = await t.admin.get('/v2.0/ports/00000000-0000-0000-0000-0000000000aa/bindings');
      assert.equal(missing.status, 404);
      assert.equal(missing.body.NeutronError.type, 'PortNotFound');
      // Deleting the port deletes its bindings.
      assert.equal((await t.admin.del(`/v2.0/ports/${portId}`)).status, 204);
      assert.equal((await t.admin.get(bindings(t.admin, portId))).status, 404);
    });

    it('deleting the active binding unbinds the port', async () => {
      const portId = await computePort();
      assert.equal((await t.admin.del(`${bindings(t.admin, portId)}/src-host`)).status, 204);
      const port = (await t.admin.get(`/v2.0/ports/${portId}`)).body.port;
      assert.equal(port['binding:host_id'], '');
      assert.equal(port['binding:vif_type'], 'unbound');
    });

    it('policy: admin only — a member and a reader of the owning project, another project', async () => {
      const portId = await computePort();
      await t.admin.post(bindings(t.admin, portId), { binding: { host: 'dst-host' } });
      for (const caller of [t.client, t.client.as({ roles: 'reader' })]) {
        const list = await caller.get(bindings(caller, portId));
        assert.equal(list.status, 200);
        assert.deepEqual(list.body.bindings, [], 'bindings are hidden from non-admins');
        assert.equal((await caller.get(`${bindings(caller, portId)}/dst-host`)).status, 404);
        const create = await caller.post(bindings(caller, portId), { binding: { host: 'third-host' } });
        assert.equal(create.status, 403);
        assert.equal(create.body.NeutronError.type, 'PolicyNotAuthorized');
        assert.equal((await caller.put(`${bindings(caller, portId)}/dst-host/activate`, {})).status, 403);
        assert.equal((await caller.del(`${bindings(caller, portId)}/dst-host`)).status, 404);
        assert.equal((await caller.put(`${bindings(caller, portId)}/dst-host`, { binding: { profile: {} } })).status, 404);
      }
      const other = t.client.as({ project: 'project-b' });
      for (const res of [
        await other.get(bindings(other, portId)),
        await other.post(bindings(other, portId), { binding: { host: 'third-host' } }),
        await other.put(`${bindings(other, portId)}/dst-host/activate`, {}),
      ]) {
        assert.equal(res.status, 404);
        assert.equal(res.body.NeutronError.type, 'PortNotFound');
      }
      // Nothing of that changed the bindings.
      assert.deepEqual((await t.admin.get(bindings(t.admin, portId))).body.bindings.map((b: { host: string }) => b.host), ['src-host', 'dst-host']);
    });
  });
}
