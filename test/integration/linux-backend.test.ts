// The server side of the linux backend, on SQLite and PostgreSQL (no root needed): agents
// register through POST /v2.0/agent-reports (service role), DHCP-enabled networks are
// scheduled to live DHCP agents and moved off dead ones, and the linux driver binds ports
// to hosts with a live L2 agent (tap) or refuses with a reason (binding_failed).
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { dialects, startTestServer, type TestServer, type ApiClient } from '../helpers/server.ts';
import { registry } from '../../src/foundation/metrics.ts';

const l2 = (host: string, configurations: Record<string, unknown> = { tunneling_ip: '192.0.2.1', interface_mappings: { physnet1: 'eth1' } }) => ({ agent_type: 'Linux bridge agent', binary: 'neutrino-agent', topic: 'N/A', host, configurations });
const dhcp = (host: string) => ({ agent_type: 'DHCP agent', binary: 'neutrino-agent', topic: 'dhcp_agent', host, configurations: {} });

for (const dialect of dialects()) {
  describe(`linux backend: agent reports, DHCP scheduling, binding (${dialect})`, () => {
    let t: TestServer;
    let service: ApiClient;
    before(async () => {
      t = await startTestServer(dialect, { 'backend.driver': 'linux', 'agents.agent_down_time': 4, 'agents.dhcp_agents_per_network': 1 });
      service = t.admin.as({ project: 'service', roles: 'service' });
    });
    after(async () => t?.close());

    it('lets only admins and the service role report; refuses malformed reports whole', async () => {
      const denied = await t.client.post('/v2.0/agent-reports', { agents: [l2('h0')] });
      assert.equal(denied.status, 403);
      const bad = await service.post('/v2.0/agent-reports', { agents: [l2('h0'), { agent_type: 'DHCP agent' }] });
      assert.equal(bad.status, 400);
      assert.match(bad.body.NeutronError.message, /agents\[1\]\.binary/);
      assert.equal((await t.admin.get('/v2.0/agents?host=h0')).body.agents.length, 0, 'nothing registered');
      const ok = await service.post('/v2.0/agent-reports', { agents: [l2('h0'), dhcp('h0')] });
      assert.equal(ok.status, 200);
      assert.deepEqual(ok.body.agents.map((a: any) => a.agent_type), ['Linux bridge agent', 'DHCP agent']);
      assert.deepEqual(ok.body.agents[1].hosted_networks, []);
      assert.equal(ok.body.agents[0].alive, true);
      // A disabled DHCP agent hosts nothing (and keeps out of the scheduling test below).
      assert.equal((await t.admin.put(`/v2.0/agents/${ok.body.agents[1].id}`, { agent: { admin_state_up: false } })).status, 200);
    });

    it('binds ports to live L2 agents as tap and refuses unknown hosts and VLAN with a reason', async () => {
      await service.post('/v2.0/agent-reports', { agents: [l2('h1')] });
      const net = (await t.client.post('/v2.0/networks', { network: { name: 'n' } })).body.network;
      const port = (await t.admin.post('/v2.0/ports', { port: { network_id: net.id, 'binding:host_id': 'h1' } })).body.port;
      assert.equal(port['binding:vif_type'], 'tap');
      assert.equal(port['binding:vif_details'].devname, `tap${port.id.slice(0, 11)}`);
      assert.equal(port['binding:vif_details'].bridge_name, `brq${net.id.slice(0, 11)}`);
      assert.equal(port.status, 'DOWN', 'ACTIVE only once an agent reports it realized');
      const moved = (await t.admin.put(`/v2.0/ports/${port.id}`, { port: { 'binding:host_id': 'elsewhere' } })).body.port;
      assert.equal(moved['binding:vif_type'], 'binding_failed');
      assert.match(moved['binding:vif_details'].reason, /no Linux bridge agent is registered on host elsewhere/);
      const unbound = (await t.admin.put(`/v2.0/ports/${port.id}`, { port: { 'binding:host_id': '' } })).body.port;
      assert.equal(unbound['binding:vif_type'], 'unbound');
      const vlan = (await t.admin.post('/v2.0/networks', { network: { name: 'v', 'provider:network_type': 'vlan', 'provider:physical_network': 'physnet1', 'provider:segmentation_id': 1500 } })).body.network;
      const onVlan = (await t.admin.post('/v2.0/ports', { port: { network_id: vlan.id, 'binding:host_id': 'h1' } })).body.port;
      assert.equal(onVlan['binding:vif_type'], 'binding_failed');
      assert.match(onVlan['binding:vif_details'].reason, /802\.1Q/);
      const flat = (await t.admin.post('/v2.0/networks', { network: { name: 'f', 'provider:network_type': 'flat', 'provider:physical_network': 'physnet7' } })).body.network;
      const onFlat = (await t.admin.post('/v2.0/ports', { port: { network_id: flat.id, 'binding:host_id': 'h1' } })).body.port;
      assert.match(onFlat['binding:vif_details'].reason, /no interface mapping for physical network physnet7/);
    });

    it('schedules DHCP-enabled networks to one live DHCP agent each and moves them off dead agents', async () => {
      const net = (await t.client.post('/v2.0/networks', { network: { name: 'd' } })).body.network;
      const none = (await t.client.post('/v2.0/networks', { network: { name: 'no-dhcp' } })).body.network;
      await t.client.post('/v2.0/subnets', { subnet: { network_id: net.id, cidr: '10.1.0.0/24', ip_version: 4 } });
      await t.client.post('/v2.0/subnets', { subnet: { network_id: none.id, cidr: '10.2.0.0/24', ip_version: 4, enable_dhcp: false } });
      const a = (await service.post('/v2.0/agent-reports', { agents: [dhcp('ha')] })).body.agents[0];
      const b = (await service.post('/v2.0/agent-reports', { agents: [dhcp('hb')] })).body.agents[0];
      // a was the only live DHCP agent when it reported: it hosts the network, and b does not.
      assert.ok(a.hosted_networks.includes(net.id));
      assert.deepEqual(b.hosted_networks, []);
      assert.deepEqual((await t.admin.get(`/v2.0/networks/${net.id}/dhcp-agents`)).body.agents.map((x: any) => x.id), [a.id], 'dhcp_agents_per_network = 1');
      assert.deepEqual((await t.admin.get(`/v2.0/networks/${none.id}/dhcp-agents`)).body.agents, [], 'no DHCP subnet, not scheduled');
      // a stops reporting; b keeps reporting and takes the network once a is dead
      // (heartbeats are stored to the second: dead after agent_down_time + up to 1 s).
      await new Promise((r) => setTimeout(r, 5200));
      const answer = (await service.post('/v2.0/agent-reports', { agents: [dhcp('hb')] })).body.agents[0];
      assert.ok(answer.hosted_networks.includes(net.id), 'moved to the live agent');
      assert.deepEqual((await t.admin.get(`/v2.0/networks/${net.id}/dhcp-agents`)).body.agents.map((x: any) => x.id), [b.id]);
      // A dead agent's host binds nothing.
      const port = (await t.admin.post('/v2.0/ports', { port: { network_id: net.id, 'binding:host_id': 'h1' } })).body.port;
      assert.equal(port['binding:vif_type'], 'binding_failed');
      assert.match(port['binding:vif_details'].reason, /is dead/);
    });

    it('binds ports whose binding failed once their host has a live L2 agent again', async () => {
      const net = (await t.client.post('/v2.0/networks', { network: { name: 'rebind' } })).body.network;
      const early = (await t.admin.post('/v2.0/ports', { port: { network_id: net.id, 'binding:host_id': 'h-late' } })).body.port;
      const elsewhere = (await t.admin.post('/v2.0/ports', { port: { network_id: net.id, 'binding:host_id': 'h-other' } })).body.port;
      assert.equal(early['binding:vif_type'], 'binding_failed');
      assert.match(early['binding:vif_details'].reason, /no Linux bridge agent is registered on host h-late/);
      await service.post('/v2.0/agent-reports', { agents: [l2('h-late')] });
      const bound = (await t.admin.get(`/v2.0/ports/${early.id}`)).body.port;
      assert.equal(bound['binding:vif_type'], 'tap');
      assert.equal(bound['binding:vif_details'].devname, `tap${early.id.slice(0, 11)}`);
      assert.ok(bound.revision_number > early.revision_number, 'a new revision: agents watching see the change');
      assert.equal((await t.admin.get(`/v2.0/ports/${elsewhere.id}`)).body.port['binding:vif_type'], 'binding_failed', 'other hosts untouched');
      // The agent dies, a port is bound meanwhile (fails), the agent comes back: bound.
      await new Promise((r) => setTimeout(r, 5200));
      const meanwhile = (await t.admin.post('/v2.0/ports', { port: { network_id: net.id, 'binding:host_id': 'h-late' } })).body.port;
      assert.match(meanwhile['binding:vif_details'].reason, /is dead/);
      await service.post('/v2.0/agent-reports', { agents: [l2('h-late')] });
      assert.equal((await t.admin.get(`/v2.0/ports/${meanwhile.id}`)).body.port['binding:vif_type'], 'tap');
    });

    it('measures the reconcile lag: commit of a revision → its first status report, once per revision', async () => {
      const count = async () => {
        const text = await registry.getSingleMetricAsString('neutrino_backend_reconcile_lag_seconds');
        return Number(/neutrino_backend_reconcile_lag_seconds_count\{backend="linux",resource="ports"\} (\d+)/.exec(text)?.[1] ?? 0);
      };
      await service.post('/v2.0/agent-reports', { agents: [l2('h-lag')] });
      const net = (await t.client.post('/v2.0/networks', { network: { name: 'lag' } })).body.network;
      const port = (await t.admin.post('/v2.0/ports', { port: { network_id: net.id, 'binding:host_id': 'h-lag' } })).body.port;
      const before = await count();
      await new Promise((r) => setTimeout(r, 50));
      const report = (status: string) => service.post('/v2.0/status-reports', { reports: [{ resource: 'ports', id: port.id, revision: port.revision_number, status }] });
      assert.equal((await report('ACTIVE')).body.results[0].result, 'applied');
      assert.equal(await count(), before + 1);
      const text = await registry.getSingleMetricAsString('neutrino_backend_reconcile_lag_seconds');
      const sum = Number(/neutrino_backend_reconcile_lag_seconds_sum\{backend="linux",resource="ports"\} ([\d.e-]+)/.exec(text)?.[1]);
      assert.ok(sum >= 0.05, `the lag includes the 50 ms before the report (sum ${sum})`);
      assert.equal((await report('DOWN')).body.results[0].result, 'applied');
      assert.equal(await count(), before + 1, 'a second report of the same revision is not a new lag');
    });

    it('schedules a network when its DHCP-enabled subnet is created or DHCP is enabled, before any heartbeat', async () => {
      const agent = (await service.post('/v2.0/agent-reports', { agents: [dhcp('hc')] })).body.agents[0];
      const hosts = async (networkId: string) => (await t.admin.get(`/v2.0/networks/${networkId}/dhcp-agents`)).body.agents.map((x: any) => x.id);
      const net = (await t.client.post('/v2.0/networks', { network: { name: 'at-once' } })).body.network;
      assert.deepEqual(await hosts(net.id), [], 'no subnet yet');
      await t.client.post('/v2.0/subnets', { subnet: { network_id: net.id, cidr: '10.3.0.0/24', ip_version: 4 } });
      assert.deepEqual(await hosts(net.id), [agent.id], 'scheduled in the subnet create');
      const later = (await t.client.post('/v2.0/networks', { network: { name: 'dhcp-later' } })).body.network;
      const subnet = (await t.client.post('/v2.0/subnets', { subnet: { network_id: later.id, cidr: '10.4.0.0/24', ip_version: 4, enable_dhcp: false } })).body.subnet;
      assert.deepEqual(await hosts(later.id), [], 'DHCP disabled: not scheduled');
      await t.client.put(`/v2.0/subnets/${subnet.id}`, { subnet: { enable_dhcp: true } });
      assert.deepEqual(await hosts(later.id), [agent.id], 'scheduled when DHCP is enabled');
    });
  });
}
