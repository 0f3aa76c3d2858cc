// The `service` role (rule service_api), as Neutron gives it to services acting for the
// cloud: what the host agents do needs no admin. A service caller reads every project's
// networks (with their segments), subnets, ports (with bindings), routers, floating IPs,
// port forwardings, security groups, rules, address groups and agents; creates, binds and
// deletes ports in any project (the DHCP port); and nothing else. On SQLite and PostgreSQL.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { dialects, startTestServer, type TestServer, type ApiClient } from '../helpers/server.ts';

for (const dialect of dialects()) {
  describe(`the service role (${dialect})`, () => {
    let t: TestServer;
    let service: ApiClient;
    let other: ApiClient;
    before(async () => {
      t = await startTestServer(dialect, { 'backend.driver': 'linux' });
      service = t.admin.as({ project: 'service', roles: 'service' });
      other = t.admin.as({ project: 'project-b', roles: 'member' });
    });
    after(async () => t?.close());

    it('reads every project\'s resources with their admin-only attributes, binds and deletes ports, writes nothing else', async () => {
      const api = t.client; // a member of project-a
      assert.equal((await service.post('/v2.0/agent-reports', { agents: [{ agent_type: 'Linux bridge agent', binary: 'neutrino-agent', topic: 'N/A', host: 'h1', configurations: { tunneling_ip: '192.0.2.1' } }] })).status, 200);
      const net = (await api.post('/v2.0/networks', { network: { name: 'n' } })).body.network;
      const subnet = (await api.post('/v2.0/subnets', { subnet: { network_id: net.id, cidr: '10.9.0.0/24', ip_version: 4 } })).body.subnet;
      const port = (await api.post('/v2.0/ports', { port: { network_id: net.id } })).body.port;
      const router = (await api.post('/v2.0/routers', { router: { name: 'r' } })).body.router;
      const group = (await api.post('/v2.0/security-groups', { security_group: { name: 'g' } })).body.security_group;
      const addressGroup = (await api.post('/v2.0/address-groups', { address_group: { name: 'a', addresses: ['10.9.0.0/28'] } })).body.address_group;

      const ids = async (client: ApiClient, path: string, key: string) => (await client.get(path)).body[key].map((x: any) => x.id);
      const listed = await ids(service, '/v2.0/networks', 'networks');
      assert.ok(listed.includes(net.id), 'another project\'s network is listed');
      const shown = (await service.get(`/v2.0/networks/${net.id}`)).body.network;
      assert.equal(shown['provider:network_type'], 'vxlan', 'with its segment (admin-only for others)');
      assert.equal(typeof shown['provider:segmentation_id'], 'number');
      assert.ok((await ids(service, '/v2.0/subnets', 'subnets')).includes(subnet.id));
      assert.ok((await ids(service, '/v2.0/ports', 'ports')).includes(port.id));
      assert.ok((await ids(service, '/v2.0/routers', 'routers')).includes(router.id));
      assert.ok((await ids(service, '/v2.0/security-groups', 'security_groups')).includes(group.id));
      assert.ok((await ids(service, `/v2.0/security-group-rules?security_group_id=${group.id}`, 'security_group_rules')).length > 0);
      assert.ok((await ids(service, '/v2.0/address-groups', 'address_groups')).includes(addressGroup.id));
      assert.ok((await service.get('/v2.0/agents')).body.agents.some((a: any) => a.host === 'h1'), 'agents (their tunnel endpoints)');
      for (const [path, key] of [['/v2.0/networks', 'networks'], ['/v2.0/ports', 'ports'], ['/v2.0/routers', 'routers'], ['/v2.0/security-groups', 'security_groups']]) {
        assert.deepEqual(await ids(other, path, key).then((l: string[]) => l.filter((id) => [net.id, port.id, router.id, group.id].includes(id))), [], `a member of another project sees none of ${key}`);
      }
      assert.equal((await other.get('/v2.0/agents')).body.agents.length, 0);

      // The DHCP port, as the DHCP agent makes it: in the network's project, bound to its host.
      const dhcp = await service.post('/v2.0/ports', { port: { network_id: net.id, project_id: net.project_id, device_owner: 'network:dhcp', device_id: 'dhcp-x', 'binding:host_id': 'h1', fixed_ips: [{ subnet_id: subnet.id }] } });
      assert.equal(dhcp.status, 201, JSON.stringify(dhcp.body));
      assert.equal(dhcp.body.port['binding:vif_type'], 'tap', 'binding attributes are shown to the service');
      assert.equal(dhcp.body.port.project_id, net.project_id);
      const bound = await service.put(`/v2.0/ports/${port.id}`, { port: { 'binding:host_id': 'h1' } });
      assert.equal(bound.status, 200);
      assert.equal(bound.body.port['binding:host_id'], 'h1');
      assert.equal((await service.del(`/v2.0/ports/${dhcp.body.port.id}`)).status, 204);

      // Nothing else: no network, subnet, router or group writes, no agent administration.
      assert.equal((await service.put(`/v2.0/networks/${net.id}`, { network: { name: 'x' } })).status, 403);
      assert.equal((await service.del(`/v2.0/routers/${router.id}`)).status, 403);
      assert.equal((await service.put(`/v2.0/security-groups/${group.id}`, { security_group: { name: 'x' } })).status, 403);
      const agent = (await service.get('/v2.0/agents?host=h1')).body.agents[0];
      assert.equal((await service.put(`/v2.0/agents/${agent.id}`, { agent: { admin_state_up: false } })).status, 403);
      // A member cannot do what the service does.
      assert.equal((await other.post('/v2.0/ports', { port: { network_id: net.id, project_id: net.project_id, device_owner: 'network:dhcp' } })).status, 400);
      assert.equal((await api.put(`/v2.0/ports/${port.id}`, { port: { 'binding:host_id': 'h2' } })).status, 403);
    });
  });
}
