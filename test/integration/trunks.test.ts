// Trunks (`trunk`, `trunk-details`) over HTTP on SQLite and PostgreSQL, with the paths and
// bodies openstacksdk and the CLI send: create with subports, add_subports /
// remove_subports / get_subports, the parent and subport rules, segmentation types,
// trunk_details on the parent port, and the default policy for a member, a reader and
// another project.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { dialects, startTestServer, type ApiClient, type TestServer } from '../helpers/server.ts';

for (const dialect of dialects()) {
  describe(`trunks (${dialect})`, () => {
    let t: TestServer;
    let net: any;
    let net2: any;
    before(async () => {
      t = await startTestServer(dialect);
      net = (await t.client.post('/v2.0/networks', { network: { name: 'trunk-parent-net' } })).body.network;
      net2 = (await t.client.post('/v2.0/networks', { network: { name: 'trunk-sub-net' } })).body.network;
    });
    after(async () => t?.close());

    const port = async (c: ApiClient, networkId: string, body: Record<string, unknown> = {}) => {
      const res = await c.post('/v2.0/ports', { port: { network_id: networkId, ...body } });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      return res.body.port;
    };

    it('is listed with trunk-details', async () => {
      const aliases = (await t.client.get('/v2.0/extensions')).body.extensions.map((e: { alias: string }) => e.alias);
      assert.ok(aliases.includes('trunk') && aliases.includes('trunk-details'));
      const ext = (await t.client.get('/v2.0/extensions/trunk')).body.extension;
      assert.equal(ext.name, 'Trunk Extension');
    });

    it('creates a trunk with subports, shows them on the parent port, adds and removes subports', async () => {
      const parent = await port(t.client, net.id);
      const s1 = await port(t.client, net2.id);
      const s2 = await port(t.client, net2.id);
      const created = await t.client.post('/v2.0/trunks', {
        trunk: { name: 'trunk1', port_id: parent.id, sub_ports: [{ port_id: s1.id, segmentation_type: 'vlan', segmentation_id: 100 }] },
      });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      const trunk = created.body.trunk;
      assert.equal(trunk.port_id, parent.id);
      assert.equal(trunk.status, 'DOWN');
      assert.equal(trunk.admin_state_up, true);
      assert.equal(trunk.project_id, 'project-a');
      assert.equal(trunk.tenant_id, 'project-a');
      assert.equal(trunk.revision_number, 0);
      assert.deepEqual(trunk.tags, []);
      assert.deepEqual(trunk.sub_ports, [{ segmentation_type: 'vlan', port_id: s1.id, segmentation_id: 100 }]);

      const shownParent = (await t.client.get(`/v2.0/ports/${parent.id}`)).body.port;
      assert.deepEqual(shownParent.trunk_details, { trunk_id: trunk.id, sub_ports: [{ segmentation_type: 'vlan', port_id: s1.id, segmentation_id: 100, mac_address: s1.mac_address }] });
      assert.ok(!('trunk_details' in (await t.client.get(`/v2.0/ports/${s1.id}`)).body.port), 'only parents have trunk_details');

      // add_subports answers the trunk itself (not wrapped), as openstacksdk reads it.
      const added = await t.client.put(`/v2.0/trunks/${trunk.id}/add_subports`, { sub_ports: [{ port_id: s2.id, segmentation_type: 'vlan', segmentation_id: '200' }] });
      assert.equal(added.status, 200, JSON.stringify(added.body));
      assert.equal(added.body.id, trunk.id);
      assert.equal(added.body.revision_number, 1);
      assert.deepEqual(added.body.sub_ports.map((s: { segmentation_id: number }) => s.segmentation_id), [100, 200]);
      const listed = await t.client.get(`/v2.0/trunks/${trunk.id}/get_subports`);
      assert.equal(listed.status, 200);
      assert.deepEqual(listed.body.sub_ports, [
        { segmentation_type: 'vlan', port_id: s1.id, segmentation_id: 100 },
        { segmentation_type: 'vlan', port_id: s2.id, segmentation_id: 200 },
      ]);

      const removed = await t.client.put(`/v2.0/trunks/${trunk.id}/remove_subports`, { sub_ports: [{ port_id: s1.id }] });
      assert.equal(removed.status, 200, JSON.stringify(removed.body));
      assert.deepEqual(removed.body.sub_ports, [{ segmentation_type: 'vlan', port_id: s2.id, segmentation_id: 200 }]);
      const notThere = await t.client.put(`/v2.0/trunks/${trunk.id}/remove_subports`, { sub_ports: [{ port_id: s1.id }] });
      assert.equal(notThere.status, 404);
      assert.equal(notThere.body.NeutronError.type, 'SubPortNotFound');

      const renamed = await t.client.put(`/v2.0/trunks/${trunk.id}`, { trunk: { name: 'renamed', description: 'd' } });
      assert.equal(renamed.status, 200);
      assert.equal(renamed.body.trunk.name, 'renamed');
      const readOnly = await t.client.put(`/v2.0/trunks/${trunk.id}`, { trunk: { port_id: s1.id } });
      assert.equal(readOnly.status, 400);
      assert.equal((await t.client.get('/v2.0/trunks?name=renamed')).body.trunks.length, 1);
      assert.equal((await t.client.get(`/v2.0/trunks?port_id=${parent.id}`)).body.trunks[0].id, trunk.id);

      // Ports in a trunk are not deleted directly.
      const delParent = await t.client.del(`/v2.0/ports/${parent.id}`);
      assert.equal(delParent.status, 409);
      assert.equal(delParent.body.NeutronError.type, 'PortInUseAsTrunkParent');
      const delSub = await t.client.del(`/v2.0/ports/${s2.id}`);
      assert.equal(delSub.status, 409);
      assert.equal(delSub.body.NeutronError.type, 'PortInUseAsSubPort');

      assert.equal((await t.client.del(`/v2.0/trunks/${trunk.id}`)).status, 204);
      assert.equal((await t.client.get(`/v2.0/trunks/${trunk.id}`)).status, 404);
      assert.ok(!('trunk_details' in (await t.client.get(`/v2.0/ports/${parent.id}`)).body.port));
      for (const p of [parent, s1, s2]) assert.equal((await t.client.del(`/v2.0/ports/${p.id}`)).status, 204);
    });

    it('enforces the parent and subport rules with Neutron’s errors', async () => {
      const parent = await port(t.client, net.id);
      const other = await port(t.client, net.id);
      const s1 = await port(t.client, net2.id);
      const s2 = await port(t.client, net2.id);
      const trunk = (await t.client.post('/v2.0/trunks', { trunk: { port_id: parent.id, sub_ports: [{ port_id: s1.id, segmentation_type: 'vlan', segmentation_id: 10 }] } })).body.trunk;

      const expect = async (res: Promise<any>, status: number, type: string) => {
        const r = await res;
        assert.equal(r.status, status, JSON.stringify(r.body));
        assert.equal(r.body.NeutronError.type, type);
      };
      await expect(t.client.post('/v2.0/trunks', { trunk: { port_id: parent.id } }), 409, 'TrunkPortInUse');
      await expect(t.client.post('/v2.0/trunks', { trunk: { port_id: s1.id } }), 409, 'PortInUseAsSubPort');
      await expect(t.client.post('/v2.0/trunks', { trunk: { port_id: other.id, sub_ports: [{ port_id: parent.id, segmentation_type: 'vlan', segmentation_id: 5 }] } }), 409, 'PortInUseAsTrunkParent');
      await expect(t.client.post('/v2.0/trunks', { trunk: { port_id: other.id, sub_ports: [{ port_id: other.id, segmentation_type: 'vlan', segmentation_id: 5 }] } }), 409, 'ParentPortInUse');
      await expect(t.client.put(`/v2.0/trunks/${trunk.id}/add_subports`, { sub_ports: [{ port_id: s2.id, segmentation_type: 'vlan', segmentation_id: 10 }] }), 409, 'DuplicateSubPort');
      await expect(t.client.put(`/v2.0/trunks/${trunk.id}/add_subports`, { sub_ports: [{ port_id: s1.id, segmentation_type: 'vlan', segmentation_id: 11 }] }), 409, 'PortInUseAsSubPort');
      await expect(t.client.put(`/v2.0/trunks/${trunk.id}/add_subports`, { sub_ports: [{ port_id: s2.id, segmentation_type: 'vlan', segmentation_id: 4095 }] }), 400, 'InvalidInput');
      await expect(t.client.put(`/v2.0/trunks/${trunk.id}/add_subports`, { sub_ports: [{ port_id: s2.id, segmentation_type: 'vlan', segmentation_id: 0 }] }), 400, 'InvalidInput');
      await expect(t.client.put(`/v2.0/trunks/${trunk.id}/add_subports`, { sub_ports: [{ port_id: s2.id, segmentation_type: 'vxlan', segmentation_id: 7 }] }), 400, 'InvalidInput');
      await expect(t.client.put(`/v2.0/trunks/${trunk.id}/add_subports`, { sub_ports: [{ port_id: s2.id, segmentation_type: 'vlan' }] }), 400, 'InvalidInput');
      await expect(t.client.put(`/v2.0/trunks/${trunk.id}/add_subports`, { sub_ports: 'x' }), 400, 'HTTPBadRequest');
      await expect(t.client.put(`/v2.0/trunks/${trunk.id}/add_subports`, { sub_ports: [{ port_id: '0b4a3e5e-4f3c-4e59-8d43-6a3c2f1d9e11', segmentation_type: 'vlan', segmentation_id: 12 }] }), 404, 'PortNotFound');
      await expect(t.client.post('/v2.0/trunks', { trunk: { port_id: '0b4a3e5e-4f3c-4e59-8d43-6a3c2f1d9e11' } }), 404, 'PortNotFound');
      await expect(t.client.post('/v2.0/trunks', { trunk: { name: 'no-port' } }), 400, 'HTTPBadRequest');

      // A port attached to a device is not taken as a subport.
      const attached = await port(t.client, net2.id, { device_id: 'vm-1' });
      await expect(t.client.put(`/v2.0/trunks/${trunk.id}/add_subports`, { sub_ports: [{ port_id: attached.id, segmentation_type: 'vlan', segmentation_id: 13 }] }), 409, 'PortInUse');

      // A disabled trunk's subports do not change.
      assert.equal((await t.client.put(`/v2.0/trunks/${trunk.id}`, { trunk: { admin_state_up: false } })).status, 200);
      await expect(t.client.put(`/v2.0/trunks/${trunk.id}/add_subports`, { sub_ports: [{ port_id: s2.id, segmentation_type: 'vlan', segmentation_id: 14 }] }), 409, 'TrunkDisabled');
      await expect(t.client.put(`/v2.0/trunks/${trunk.id}/remove_subports`, { sub_ports: [{ port_id: s1.id }] }), 409, 'TrunkDisabled');
      assert.equal((await t.client.put(`/v2.0/trunks/${trunk.id}`, { trunk: { admin_state_up: true } })).status, 200);

      // Nothing changed by the refused requests.
      assert.deepEqual((await t.client.get(`/v2.0/trunks/${trunk.id}/get_subports`)).body.sub_ports, [{ segmentation_type: 'vlan', port_id: s1.id, segmentation_id: 10 }]);

      // A trunk whose parent is bound to a host is in use.
      assert.equal((await t.admin.put(`/v2.0/ports/${parent.id}`, { port: { 'binding:host_id': 'compute-1' } })).status, 200);
      await expect(t.client.del(`/v2.0/trunks/${trunk.id}`), 409, 'TrunkInUse');
      assert.equal((await t.admin.put(`/v2.0/ports/${parent.id}`, { port: { 'binding:host_id': '' } })).status, 200);
      assert.equal((await t.client.del(`/v2.0/trunks/${trunk.id}`)).status, 204);
      for (const p of [parent, other, s1, s2, attached]) assert.equal((await t.client.del(`/v2.0/ports/${p.id}`)).status, 204);
    });

    it('inherit takes the subport network’s VLAN; a larger subport MTU is refused', async () => {
      const vlanNet = (await t.admin.post('/v2.0/networks', { network: { name: 'vlan', project_id: 'project-a', 'provider:network_type': 'vlan', 'provider:physical_network': 'physnet1', 'provider:segmentation_id': 1234 } })).body.network;
      assert.ok(vlanNet, 'VLAN network created');
      const vlanParentNet = (await t.admin.post('/v2.0/networks', { network: { name: 'vlan-parent', project_id: 'project-a', 'provider:network_type': 'vlan', 'provider:physical_network': 'physnet1' } })).body.network;
      const parent = await port(t.client, vlanParentNet.id);
      const sub = await port(t.client, vlanNet.id);
      const vxSub = await port(t.client, net2.id);
      const created = await t.client.post('/v2.0/trunks', { trunk: { port_id: parent.id, sub_ports: [{ port_id: sub.id, segmentation_type: 'inherit' }] } });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      assert.deepEqual(created.body.trunk.sub_ports, [{ segmentation_type: 'vlan', port_id: sub.id, segmentation_id: 1234 }]);
      const vx = await t.client.put(`/v2.0/trunks/${created.body.trunk.id}/add_subports`, { sub_ports: [{ port_id: vxSub.id, segmentation_type: 'inherit' }] });
      assert.equal(vx.status, 400, 'a VXLAN network has no VLAN to inherit');

      // The parent on a VXLAN network (MTU 1450) cannot carry a VLAN network's 1500.
      const bigParent = await port(t.client, net2.id);
      const big = await port(t.client, vlanNet.id);
      const mtu = await t.client.post('/v2.0/trunks', { trunk: { port_id: bigParent.id, sub_ports: [{ port_id: big.id, segmentation_type: 'vlan', segmentation_id: 5 }] } });
      assert.equal(mtu.status, 409, JSON.stringify(mtu.body));
      assert.equal(mtu.body.NeutronError.type, 'SubPortMtuGreaterThanTrunkPortMtu');
      assert.equal((await t.client.del(`/v2.0/trunks/${created.body.trunk.id}`)).status, 204);
      for (const p of [parent, sub, vxSub, bigParent, big]) assert.equal((await t.client.del(`/v2.0/ports/${p.id}`)).status, 204);
      for (const n of [vlanNet, vlanParentNet]) assert.equal((await t.admin.del(`/v2.0/networks/${n.id}`)).status, 204);
    });

    it('default policy: the member manages, the reader reads, another project sees nothing', async () => {
      const parent = await port(t.client, net.id);
      const sub = await port(t.client, net2.id);
      const trunk = (await t.client.post('/v2.0/trunks', { trunk: { name: 'policy', port_id: parent.id } })).body.trunk;
      const reader = t.client.as({ roles: 'reader' });
      const other = t.client.as({ project: 'project-b', roles: 'member,reader' });

      assert.equal((await reader.get(`/v2.0/trunks/${trunk.id}`)).status, 200);
      assert.equal((await reader.get(`/v2.0/trunks/${trunk.id}/get_subports`)).status, 200);
      assert.equal((await reader.get('/v2.0/trunks')).body.trunks.length, 1);
      assert.equal((await reader.put(`/v2.0/trunks/${trunk.id}`, { trunk: { name: 'x' } })).status, 403);
      assert.equal((await reader.put(`/v2.0/trunks/${trunk.id}/add_subports`, { sub_ports: [{ port_id: sub.id, segmentation_type: 'vlan', segmentation_id: 3 }] })).status, 403);
      assert.equal((await reader.del(`/v2.0/trunks/${trunk.id}`)).status, 403);
      assert.equal((await reader.post('/v2.0/trunks', { trunk: { port_id: sub.id } })).status, 403);

      assert.equal((await other.get(`/v2.0/trunks/${trunk.id}`)).status, 404);
      assert.equal((await other.get(`/v2.0/trunks/${trunk.id}/get_subports`)).status, 404);
      assert.equal((await other.get('/v2.0/trunks')).body.trunks.length, 0);
      assert.equal((await other.put(`/v2.0/trunks/${trunk.id}/add_subports`, { sub_ports: [] })).status, 404);
      assert.equal((await other.del(`/v2.0/trunks/${trunk.id}`)).status, 404);
      const onForeignPort = await other.post('/v2.0/trunks', { trunk: { port_id: sub.id } });
      assert.equal(onForeignPort.status, 404, 'another project’s port is not found');

      // The member adds a subport; the admin sees and manages any project's trunks.
      assert.equal((await t.client.put(`/v2.0/trunks/${trunk.id}/add_subports`, { sub_ports: [{ port_id: sub.id, segmentation_type: 'vlan', segmentation_id: 3 }] })).status, 200);
      assert.equal((await t.admin.get(`/v2.0/trunks/${trunk.id}`)).body.trunk.sub_ports.length, 1);
      assert.equal((await t.admin.put(`/v2.0/trunks/${trunk.id}/remove_subports`, { sub_ports: [{ port_id: sub.id }] })).status, 200);
      assert.equal((await t.client.del(`/v2.0/trunks/${trunk.id}`)).status, 204);
      for (const p of [parent, sub]) assert.equal((await t.client.del(`/v2.0/ports/${p.id}`)).status, 204);
    });
  });
}
