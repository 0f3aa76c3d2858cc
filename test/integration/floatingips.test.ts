// Floating IPs and port forwardings through HTTP on SQLite and PostgreSQL: allocation from
// external networks, association through a router, one floating IP per fixed IP, port
// details, disassociation when ports go, pools, quota, and port forwarding rules.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { dialects, startTestServer, type TestServer } from '../helpers/server.ts';
import { externalNetwork, networkWithSubnet, portsOf, type NetworkWithSubnet } from '../helpers/l3.ts';

const MISSING = '0b4a3e5e-4f3c-4e59-8d43-6a3c2f1d9e11';

for (const dialect of dialects()) {
  describe(`floating IPs (${dialect})`, () => {
    let t: TestServer;
    let ext: NetworkWithSubnet;
    let inside: NetworkWithSubnet;
    let router: any;
    before(async () => {
      t = await startTestServer(dialect);
      ext = await externalNetwork(t.admin, '172.24.4.0/24');
      inside = await networkWithSubnet(t.client, '10.0.0.0/24');
      router = (await t.client.post('/v2.0/routers', { router: { name: 'r', external_gateway_info: { network_id: ext.network.id } } })).body.router;
    });
    after(async () => t?.close());

    // As admin for the project: choosing fixed IPs is not for members under the default policy.
    const newPort = async (extra: Record<string, unknown> = {}) => (await t.admin.post('/v2.0/ports', { port: { network_id: inside.network.id, project_id: 'project-a', ...extra } })).body.port;

    it('allocates a floating IP from an external network', async () => {
      const created = await t.client.post('/v2.0/floatingips', { floatingip: { floating_network_id: ext.network.id, description: 'web' } });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      const fip = created.body.floatingip;
      assert.match(fip.floating_ip_address, /^172\.24\.4\./);
      assert.equal(fip.status, 'DOWN');
      assert.equal(fip.port_id, null);
      assert.equal(fip.fixed_ip_address, null);
      assert.equal(fip.router_id, null);
      assert.equal(fip.port_details, null);
      assert.deepEqual(fip.port_forwardings, []);
      assert.equal(fip.description, 'web');
      assert.equal(fip.project_id, 'project-a');
      assert.ok(!('subnet_id' in fip) && !('floating_port_id' in fip) && !('name' in fip));
      const [port] = await portsOf(t.admin, fip.id, 'network:floatingip');
      assert.equal(port.project_id, '');
      assert.deepEqual(port.fixed_ips.map((ip: { ip_address: string }) => ip.ip_address), [fip.floating_ip_address]);
      const direct = await t.admin.del(`/v2.0/ports/${port.id}`);
      assert.equal(direct.status, 409);
      assert.equal(direct.body.NeutronError.type, 'L3PortInUse');

      const pools = await t.client.get('/v2.0/floatingip-pools');
      assert.deepEqual(pools.body.floatingip_pools, [
        { subnet_id: ext.subnet.id, subnet_name: ext.subnet.name, network_id: ext.network.id, cidr: '172.24.4.0/24', project_id: ext.subnet.project_id, tenant_id: ext.subnet.project_id },
      ]);

      assert.equal((await t.client.del(`/v2.0/floatingips/${fip.id}`)).status, 204);
      assert.equal((await portsOf(t.admin, fip.id)).length, 0, 'its port went with it');
      const gone = await t.client.get(`/v2.0/floatingips/${fip.id}`);
      assert.equal(gone.status, 404);
      assert.equal(gone.body.NeutronError.type, 'FloatingIPNotFound');
    });

    it('rejects bad allocations and leaves nothing behind', async () => {
      // Addresses are allocated at random (as Neutron does): pick one no port holds yet.
      const held = new Set(
        (await t.admin.get(`/v2.0/ports?network_id=${ext.network.id}`)).body.ports.flatMap((p: { fixed_ips: { ip_address: string }[] }) => p.fixed_ips.map((f) => f.ip_address)),
      );
      const FREE = Array.from({ length: 200 }, (_, i) => `172.24.4.${50 + i}`).find((a) => !held.has(a))!;
      const internal = await t.client.post('/v2.0/floatingips', { floatingip: { floating_network_id: inside.network.id } });
      assert.equal(internal.status, 400);
      assert.equal(internal.body.NeutronError.message, `Bad floatingip request: Network ${inside.network.id} is not a valid external network.`);
      const missing = await t.client.post('/v2.0/floatingips', { floatingip: { floating_network_id: MISSING } });
      assert.equal(missing.status, 404);
      assert.equal(missing.body.NeutronError.type, 'NetworkNotFound');
      const noNetwork = await t.client.post('/v2.0/floatingips', { floatingip: {} });
      assert.equal(noNetwork.status, 400);
      const address = await t.client.post('/v2.0/floatingips', { floatingip: { floating_network_id: ext.network.id, floating_ip_address: FREE } });
      assert.equal(address.status, 403, 'choosing the address is admin only');
      const outside = await t.admin.post('/v2.0/floatingips', { floatingip: { floating_network_id: ext.network.id, floating_ip_address: '10.9.9.9' } });
      assert.equal(outside.status, 400);
      const noPath = await t.client.post('/v2.0/floatingips', { floatingip: { floating_network_id: ext.network.id, port_id: (await newPort()).id } });
      assert.equal(noPath.status, 404);
      assert.equal(noPath.body.NeutronError.type, 'ExternalGatewayForFloatingIPNotFound');
      assert.equal((await t.client.get('/v2.0/floatingips')).body.floatingips.length, 0);
      assert.equal((await t.admin.get('/v2.0/ports?device_owner=network:floatingip')).body.ports.length, 0);

      const chosen = await t.admin.post('/v2.0/floatingips', { floatingip: { floating_network_id: ext.network.id, floating_ip_address: FREE, project_id: 'project-a' } });
      assert.equal(chosen.status, 201);
      assert.equal(chosen.body.floatingip.floating_ip_address, FREE);
      const twice = await t.admin.post('/v2.0/floatingips', { floatingip: { floating_network_id: ext.network.id, floating_ip_address: FREE } });
      assert.equal(twice.status, 409);
      assert.equal(twice.body.NeutronError.type, 'IpAddressInUse');
      await t.admin.del(`/v2.0/floatingips/${chosen.body.floatingip.id}`);
    });

    it('associates through a router, one floating IP per fixed IP, and disassociates', async () => {
      const port = await newPort();
      const fip = (await t.client.post('/v2.0/floatingips', { floatingip: { floating_network_id: ext.network.id } })).body.floatingip;
      const unreachable = await t.client.put(`/v2.0/floatingips/${fip.id}`, { floatingip: { port_id: port.id } });
      assert.equal(unreachable.status, 404);
      assert.equal(unreachable.body.NeutronError.message, `External network ${ext.network.id} is not reachable from subnet ${inside.subnet.id}.  Therefore, cannot associate Port ${port.id} with a Floating IP.`);

      const iface = await t.client.put(`/v2.0/routers/${router.id}/add_router_interface`, { subnet_id: inside.subnet.id });
      assert.equal(iface.status, 200, JSON.stringify(iface.body));
      const associated = await t.client.put(`/v2.0/floatingips/${fip.id}`, { floatingip: { port_id: port.id } });
      assert.equal(associated.status, 200, JSON.stringify(associated.body));
      const a = associated.body.floatingip;
      assert.equal(a.port_id, port.id);
      assert.equal(a.fixed_ip_address, port.fixed_ips[0].ip_address);
      assert.equal(a.router_id, router.id);
      assert.equal(a.status, 'ACTIVE');
      assert.deepEqual(a.port_details, {
        name: port.name,
        network_id: inside.network.id,
        mac_address: port.mac_address,
        admin_state_up: true,
        status: port.status,
        device_id: port.device_id,
        device_owner: port.device_owner,
      });
      assert.deepEqual((await t.client.get(`/v2.0/floatingips?port_id=${port.id}`)).body.floatingips.map((f: { id: string }) => f.id), [fip.id]);

      const second = await t.client.post('/v2.0/floatingips', { floatingip: { floating_network_id: ext.network.id, port_id: port.id } });
      assert.equal(second.status, 409);
      assert.equal(second.body.NeutronError.type, 'FloatingIPPortAlreadyAssociated');
      const wrongIp = await t.client.post('/v2.0/floatingips', { floatingip: { floating_network_id: ext.network.id, port_id: port.id, fixed_ip_address: '10.0.0.250' } });
      assert.equal(wrongIp.status, 400);
      assert.equal((await t.client.get('/v2.0/floatingips')).body.floatingips.length, 1, 'failed creates left no floating IP');

      // What the association needs cannot go away.
      const detach = await t.client.put(`/v2.0/routers/${router.id}/remove_router_interface`, { subnet_id: inside.subnet.id });
      assert.equal(detach.status, 409);
      assert.equal(detach.body.NeutronError.type, 'RouterInterfaceInUseByFloatingIP');
      const ungate = await t.client.put(`/v2.0/routers/${router.id}`, { router: { external_gateway_info: null } });
      assert.equal(ungate.status, 409);
      assert.equal(ungate.body.NeutronError.type, 'RouterExternalGatewayInUseByFloatingIp');

      // Other projects' ports are off limits.
      const foreign = (await t.admin.post('/v2.0/ports', { port: { network_id: inside.network.id, project_id: 'project-b' } })).body.port;
      const stolen = await t.client.put(`/v2.0/floatingips/${fip.id}`, { floatingip: { port_id: foreign.id } });
      assert.equal(stolen.status, 400);

      const off = await t.client.put(`/v2.0/floatingips/${fip.id}`, { floatingip: { port_id: null } });
      assert.equal(off.status, 200);
      assert.equal(off.body.floatingip.port_id, null);
      assert.equal(off.body.floatingip.fixed_ip_address, null);
      assert.equal(off.body.floatingip.router_id, null);
      assert.equal(off.body.floatingip.status, 'DOWN');

      // Deleting the port disassociates.
      const back = await t.client.put(`/v2.0/floatingips/${fip.id}`, { floatingip: { port_id: port.id, fixed_ip_address: port.fixed_ips[0].ip_address } });
      assert.equal(back.status, 200);
      assert.equal((await t.client.del(`/v2.0/ports/${port.id}`)).status, 204);
      const after = (await t.client.get(`/v2.0/floatingips/${fip.id}`)).body.floatingip;
      assert.equal(after.port_id, null);
      assert.equal(after.router_id, null);
      assert.equal(after.status, 'DOWN');

      await t.admin.del(`/v2.0/ports/${foreign.id}`);
      await t.client.del(`/v2.0/floatingips/${fip.id}`);
    });

    it('needs fixed_ip_address when the port has several IPv4 addresses', async () => {
      const port = await newPort({ fixed_ips: [{ subnet_id: inside.subnet.id }, { subnet_id: inside.subnet.id }] });
      assert.equal(port.fixed_ips.length, 2);
      const ambiguous = await t.client.post('/v2.0/floatingips', { floatingip: { floating_network_id: ext.network.id, port_id: port.id } });
      assert.equal(ambiguous.status, 400);
      assert.match(ambiguous.body.NeutronError.message, /multiple fixed IPv4 addresses/);
      const chosen = await t.client.post('/v2.0/floatingips', { floatingip: { floating_network_id: ext.network.id, port_id: port.id, fixed_ip_address: port.fixed_ips[1].ip_address } });
      assert.equal(chosen.status, 201, JSON.stringify(chosen.body));
      assert.equal(chosen.body.floatingip.fixed_ip_address, port.fixed_ips[1].ip_address);
      // The other address may take a second floating IP.
      const other = await t.client.post('/v2.0/floatingips', { floatingip: { floating_network_id: ext.network.id, port_id: port.id, fixed_ip_address: port.fixed_ips[0].ip_address } });
      assert.equal(other.status, 201);
      for (const f of [chosen, other]) await t.client.del(`/v2.0/floatingips/${f.body.floatingip.id}`);
      await t.client.del(`/v2.0/ports/${port.id}`);
    });

    it('forwards ports of a floating IP that is not associated', async () => {
      const port = await newPort();
      const fip = (await t.client.post('/v2.0/floatingips', { floatingip: { floating_network_id: ext.network.id } })).body.floatingip;
      const base = `/v2.0/floatingips/${fip.id}/port_forwardings`;
      const rule = { protocol: 'tcp', external_port: 2222, internal_port: 22, internal_port_id: port.id, description: 'ssh' };
      const created = await t.client.post(base, { port_forwarding: rule });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      const pf = created.body.port_forwarding;
      assert.equal(pf.internal_ip_address, port.fixed_ips[0].ip_address);
      assert.equal(pf.protocol, 'tcp');
      assert.equal(pf.description, 'ssh');
      assert.ok(!('project_id' in pf) && !('floatingip_id' in pf));
      const withRules = (await t.client.get(`/v2.0/floatingips/${fip.id}`)).body.floatingip;
      assert.equal(withRules.router_id, router.id, 'the forwarding sets the router');
      assert.equal(withRules.port_forwardings.length, 1);
      assert.equal(withRules.port_forwardings[0].external_port, 2222);

      const dup = await t.client.post(base, { port_forwarding: { ...rule, internal_port: 23 } });
      assert.equal(dup.status, 400);
      // With port ranges served, Neutron reports a reused external port as a range collision.
      assert.match(dup.body.NeutronError.message, /port collision with the external_port_range/);
      const udp = await t.client.post(base, { port_forwarding: { ...rule, protocol: 'udp' } });
      assert.equal(udp.status, 201, 'another protocol is another socket');
      const badProto = await t.client.post(base, { port_forwarding: { ...rule, protocol: 'icmp', external_port: 1 } });
      assert.equal(badProto.status, 400);
      const badPort = await t.client.post(base, { port_forwarding: { ...rule, external_port: 70000 } });
      assert.equal(badPort.status, 400);
      const badIp = await t.client.post(base, { port_forwarding: { ...rule, external_port: 2223, internal_ip_address: '10.0.0.250' } });
      assert.equal(badIp.status, 400);

      assert.equal((await t.client.get(base)).body.port_forwardings.length, 2);
      assert.equal((await t.client.get(`${base}/${pf.id}`)).body.port_forwarding.id, pf.id);
      const updated = await t.client.put(`${base}/${pf.id}`, { port_forwarding: { external_port: 2200 } });
      assert.equal(updated.status, 200);
      assert.equal(updated.body.port_forwarding.external_port, 2200);

      // A floating IP forwards ports or follows one port, not both.
      const associate = await t.client.put(`/v2.0/floatingips/${fip.id}`, { floatingip: { port_id: port.id } });
      assert.equal(associate.status, 409);
      assert.equal(associate.body.NeutronError.type, 'FipInUseByPortForwarding');
      const other = (await t.client.post('/v2.0/floatingips', { floatingip: { floating_network_id: ext.network.id, port_id: (await newPort()).id } })).body.floatingip;
      const onAssociated = await t.client.post(`/v2.0/floatingips/${other.id}/port_forwardings`, { port_forwarding: rule });
      assert.equal(onAssociated.status, 409);
      assert.equal(onAssociated.body.NeutronError.type, 'FloatingIPPortAlreadyAssociated');

      // Paths name the parent: another floating IP's forwarding is not found there.
      const misplaced = await t.client.get(`/v2.0/floatingips/${other.id}/port_forwardings/${pf.id}`);
      assert.equal(misplaced.status, 404);
      assert.equal(misplaced.body.NeutronError.type, 'PortForwardingNotFound');
      assert.equal((await t.client.del(`/v2.0/floatingips/${other.id}/port_forwardings/${pf.id}`)).status, 404);
      const noParent = await t.client.get(`/v2.0/floatingips/${MISSING}/port_forwardings`);
      assert.equal(noParent.status, 404);
      assert.equal(noParent.body.NeutronError.type, 'FloatingIPNotFound');
      assert.equal((await t.client.as({ project: 'project-b' }).get(base)).status, 404);

      assert.equal((await t.client.del(`${base}/${pf.id}`)).status, 204);
      // Deleting the internal port deletes its forwardings; the last one releases the router.
      assert.equal((await t.client.del(`/v2.0/ports/${port.id}`)).status, 204);
      const bare = (await t.client.get(`/v2.0/floatingips/${fip.id}`)).body.floatingip;
      assert.deepEqual(bare.port_forwardings, []);
      assert.equal(bare.router_id, null);
      await t.client.del(`/v2.0/floatingips/${fip.id}`);
      await t.client.del(`/v2.0/floatingips/${other.id}`);
    });

    it('enforces the floating IP quota', async () => {
      assert.equal((await t.admin.put('/v2.0/quotas/project-q', { quota: { floatingip: 1 } })).status, 200);
      const q = t.client.as({ project: 'project-q' });
      const results = await Promise.all([1, 2].map(() => q.post('/v2.0/floatingips', { floatingip: { floating_network_id: ext.network.id } })));
      assert.equal(results.filter((r) => r.status === 201).length, 1);
      assert.equal(results.find((r) => r.status === 409)?.body.NeutronError.type, 'OverQuota');
    });

    it('goes with its external network unless it is associated', async () => {
      const doomed = await externalNetwork(t.admin, '198.51.100.0/24');
      const spare = (await t.admin.post('/v2.0/floatingips', { floatingip: { floating_network_id: doomed.network.id } })).body.floatingip;
      assert.equal((await t.admin.del(`/v2.0/networks/${doomed.network.id}`)).status, 204);
      assert.equal((await t.admin.get(`/v2.0/floatingips/${spare.id}`)).status, 404, 'unassociated floating IPs are deleted with the network');

      const kept = await externalNetwork(t.admin, '198.51.100.0/24');
      const r = (await t.client.post('/v2.0/routers', { router: { name: 'kept', external_gateway_info: { network_id: kept.network.id } } })).body.router;
      const lan = await networkWithSubnet(t.client, '10.77.0.0/24');
      await t.client.put(`/v2.0/routers/${r.id}/add_router_interface`, { subnet_id: lan.subnet.id });
      const port = (await t.client.post('/v2.0/ports', { port: { network_id: lan.network.id } })).body.port;
      const used = await t.client.post('/v2.0/floatingips', { floatingip: { floating_network_id: kept.network.id, port_id: port.id } });
      assert.equal(used.status, 201, JSON.stringify(used.body));
      const refused = await t.admin.del(`/v2.0/networks/${kept.network.id}`);
      assert.equal(refused.status, 409);
      assert.equal(refused.body.NeutronError.type, 'NetworkInUse');
      assert.equal((await t.client.get(`/v2.0/floatingips/${used.body.floatingip.id}`)).status, 200, 'the failed delete changed nothing');
    });

    it('lets only one of concurrent associations to one fixed IP win', async () => {
      // The router reaches the subnet (attached by an earlier test, or now).
      const attach = await t.client.put(`/v2.0/routers/${router.id}/add_router_interface`, { subnet_id: inside.subnet.id });
      assert.ok(attach.status === 200 || attach.status === 400, JSON.stringify(attach.body));
      const port = await newPort();
      const fips = await Promise.all([1, 2, 3].map(async () => (await t.client.post('/v2.0/floatingips', { floatingip: { floating_network_id: ext.network.id } })).body.floatingip));
      const results = await Promise.all(fips.map((f) => t.client.put(`/v2.0/floatingips/${f.id}`, { floatingip: { port_id: port.id } })));
      assert.equal(results.filter((r) => r.status === 200).length, 1, JSON.stringify(results.map((r) => r.status)));
      for (const r of results.filter((x) => x.status !== 200)) {
        assert.equal(r.status, 409);
        assert.equal(r.body.NeutronError.type, 'FloatingIPPortAlreadyAssociated');
      }
      assert.equal((await t.client.get(`/v2.0/floatingips?port_id=${port.id}`)).body.floatingips.length, 1);
      for (const f of fips) await t.client.del(`/v2.0/floatingips/${f.id}`);
      await t.client.del(`/v2.0/ports/${port.id}`);
    });
  });
}
