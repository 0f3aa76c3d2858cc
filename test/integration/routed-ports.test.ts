// Ports on routed networks (segments) through HTTP on SQLite and PostgreSQL: without a host
// a port's addresses wait (ip_allocation `deferred`); binding it to a host addresses it from
// the subnets of the segment that host reaches (its agents' interface/bridge mappings), with
// Neutron's 409s when the host reaches no segment, several, or not the port's addresses.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { dialects, startTestServer, type TestServer } from '../helpers/server.ts';

const agent = (host: string, mappings: Record<string, string>, key = 'interface_mappings') => ({
  agent_type: key === 'interface_mappings' ? 'Linux bridge agent' : 'Open vSwitch agent',
  binary: 'neutrino-agent',
  topic: 'N/A',
  host,
  configurations: { [key]: mappings },
});

for (const dialect of dialects()) {
  describe(`ports on routed networks (${dialect})`, () => {
    let t: TestServer;
    let netId: string;
    let subnetA: string;
    let subnetB: string;
    before(async () => {
      t = await startTestServer(dialect);
      const service = t.admin.as({ project: 'service', roles: 'service' });
      const reports = [agent('host-a', { rack1: 'eth1' }), agent('host-b', { rack2: 'br-ex' }, 'bridge_mappings'), agent('host-c', {}), agent('host-d', { rack1: 'eth1', rack2: 'eth2' })];
      const reported = await service.post('/v2.0/agent-reports', { agents: reports });
      assert.equal(reported.status, 200, JSON.stringify(reported.body));
      const net = (await t.admin.post('/v2.0/networks', { network: { name: 'routed', shared: true, 'provider:network_type': 'flat', 'provider:physical_network': 'rack1' } })).body.network;
      netId = net.id;
      const segA = (await t.admin.get(`/v2.0/segments?network_id=${netId}`)).body.segments[0].id;
      const segB = (await t.admin.post('/v2.0/segments', { segment: { network_id: netId, network_type: 'flat', physical_network: 'rack2' } })).body.segment.id;
      subnetA = (await t.admin.post('/v2.0/subnets', { subnet: { network_id: netId, segment_id: segA, ip_version: 4, cidr: '10.101.0.0/24' } })).body.subnet.id;
      subnetB = (await t.admin.post('/v2.0/subnets', { subnet: { network_id: netId, segment_id: segB, ip_version: 4, cidr: '10.102.0.0/24' } })).body.subnet.id;
      assert.ok(subnetA && subnetB);
    });
    after(async () => t?.close());

    it('defers the addresses of a port without host, then addresses it from its host’s segment', async () => {
      const created = await t.admin.post('/v2.0/ports', { port: { network_id: netId } });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      assert.equal(created.body.port.ip_allocation, 'deferred');
      assert.deepEqual(created.body.port.fixed_ips, []);
      const bound = await t.admin.put(`/v2.0/ports/${created.body.port.id}`, { port: { 'binding:host_id': 'host-a' } });
      assert.equal(bound.status, 200, JSON.stringify(bound.body));
      assert.equal(bound.body.port.ip_allocation, 'immediate');
      assert.equal(bound.body.port.fixed_ips.length, 1);
      assert.equal(bound.body.port.fixed_ips[0].subnet_id, subnetA);
      assert.match(bound.body.port.fixed_ips[0].ip_address, /^10\.101\.0\./);
      // A host known at create (bridge mappings count as interface mappings do).
      const onB = await t.admin.post('/v2.0/ports', { port: { network_id: netId, 'binding:host_id': 'host-b' } });
      assert.equal(onB.status, 201, JSON.stringify(onB.body));
      assert.equal(onB.body.port.ip_allocation, 'immediate');
      assert.equal(onB.body.port.fixed_ips[0].subnet_id, subnetB);
      // The address is really held: the port's IP is in use in IPAM.
      const clash = await t.admin.post('/v2.0/ports', { port: { network_id: netId, fixed_ips: [{ ip_address: onB.body.port.fixed_ips[0].ip_address }] } });
      assert.equal(clash.status, 409);
      assert.equal(clash.body.NeutronError.type, 'IpAddressInUse');
    });

    it('answers 409 when the host reaches no segment or several, and leaves the port deferred', async () => {
      const none = await t.admin.post('/v2.0/ports', { port: { network_id: netId, 'binding:host_id': 'host-c' } });
      assert.equal(none.status, 409);
      assert.equal(none.body.NeutronError.type, 'HostNotConnectedToAnySegment');
      const unknown = await t.admin.post('/v2.0/ports', { port: { network_id: netId, 'binding:host_id': 'no-such-host' } });
      assert.equal(unknown.body.NeutronError.type, 'HostNotConnectedToAnySegment');
      const several = await t.admin.post('/v2.0/ports', { port: { network_id: netId, 'binding:host_id': 'host-d' } });
      assert.equal(several.status, 409);
      assert.equal(several.body.NeutronError.type, 'HostConnectedToMultipleSegments');
      const port = (await t.admin.post('/v2.0/ports', { port: { network_id: netId } })).body.port;
      const upd = await t.admin.put(`/v2.0/ports/${port.id}`, { port: { 'binding:host_id': 'host-c' } });
      assert.equal(upd.status, 409);
      const after = (await t.admin.get(`/v2.0/ports/${port.id}`)).body.port;
      assert.equal(after.ip_allocation, 'deferred');
      assert.equal(after['binding:host_id'], '');
    });

    it('requested fixed_ips are allocated at once, and must suit a later host', async () => {
      const port = await t.admin.post('/v2.0/ports', { port: { network_id: netId, fixed_ips: [{ subnet_id: subnetA }] } });
      assert.equal(port.status, 201, JSON.stringify(port.body));
      assert.equal(port.body.port.ip_allocation, 'immediate');
      const wrongHost = await t.admin.put(`/v2.0/ports/${port.body.port.id}`, { port: { 'binding:host_id': 'host-b' } });
      assert.equal(wrongHost.status, 409);
      assert.equal(wrongHost.body.NeutronError.type, 'HostNotCompatibleWithFixedIps');
      assert.equal((await t.admin.put(`/v2.0/ports/${port.body.port.id}`, { port: { 'binding:host_id': 'host-a' } })).status, 200);
      const created = await t.admin.post('/v2.0/ports', { port: { network_id: netId, 'binding:host_id': 'host-a', fixed_ips: [{ subnet_id: subnetB }] } });
      assert.equal(created.status, 409);
      assert.equal(created.body.NeutronError.type, 'HostNotCompatibleWithFixedIps');
      // A deferred port given fixed_ips is addressed now.
      const deferred = (await t.admin.post('/v2.0/ports', { port: { network_id: netId } })).body.port;
      const given = await t.admin.put(`/v2.0/ports/${deferred.id}`, { port: { fixed_ips: [{ subnet_id: subnetB }] } });
      assert.equal(given.body.port.ip_allocation, 'immediate');
      assert.equal(given.body.port.fixed_ips[0].subnet_id, subnetB);
    });

    it("the network's own ports (DHCP) are addressed on every subnet they name, host or not", async () => {
      const dhcp = await t.admin.post('/v2.0/ports', {
        port: { network_id: netId, device_owner: 'network:dhcp', 'binding:host_id': 'host-a', fixed_ips: [{ subnet_id: subnetA }, { subnet_id: subnetB }] },
      });
      assert.equal(dhcp.status, 201, JSON.stringify(dhcp.body));
      assert.equal(dhcp.body.port.fixed_ips.length, 2);
    });

    it('networks without segments with subnets allocate at once, as before', async () => {
      const net = (await t.client.post('/v2.0/networks', { network: { name: 'plain' } })).body.network;
      await t.client.post('/v2.0/subnets', { subnet: { network_id: net.id, ip_version: 4, cidr: '10.103.0.0/24' } });
      const port = (await t.client.post('/v2.0/ports', { port: { network_id: net.id } })).body.port;
      assert.equal(port.ip_allocation, 'immediate');
      assert.equal(port.fixed_ips.length, 1);
    });

    it('policy: a member’s port on the shared routed network waits; only admins bind it; other projects see nothing', async () => {
      const mine = await t.client.post('/v2.0/ports', { port: { network_id: netId } });
      assert.equal(mine.status, 201, JSON.stringify(mine.body));
      assert.equal(mine.body.port.ip_allocation, 'deferred');
      const bind = await t.client.put(`/v2.0/ports/${mine.body.port.id}`, { port: { 'binding:host_id': 'host-a' } });
      assert.equal(bind.status, 403);
      const reader = t.client.as({ roles: 'reader' });
      assert.equal((await reader.get(`/v2.0/ports/${mine.body.port.id}`)).body.port.ip_allocation, 'deferred');
      assert.equal((await reader.post('/v2.0/ports', { port: { network_id: netId } })).status, 403);
      assert.equal((await t.client.as({ project: 'project-b' }).get(`/v2.0/ports/${mine.body.port.id}`)).status, 404);
      const byAdmin = await t.admin.put(`/v2.0/ports/${mine.body.port.id}`, { port: { 'binding:host_id': 'host-b' } });
      assert.equal(byAdmin.body.port.fixed_ips[0].subnet_id, subnetB);
    });
  });
}
