// Agents (registered through the service's reportState, as host agents will) and DHCP/L3
// agent scheduling through HTTP, on SQLite and PostgreSQL.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { dialects, startTestServer, type TestServer } from '../helpers/server.ts';
import type { AgentService } from '../../src/extensions/agents/agent-service.ts';

for (const dialect of dialects()) {
  describe(`agents (${dialect})`, () => {
    let t: TestServer;
    let agents: AgentService;
    before(async () => {
      t = await startTestServer(dialect);
      agents = t.service.app.services.agents!;
    });
    after(async () => t?.close());

    const report = (agent_type: string, host: string, extra: Record<string, unknown> = {}) =>
      agents.reportState({ agent_type, host, binary: agent_type === 'DHCP agent' ? 'neutrino-dhcp-agent' : 'neutrino-l3-agent', topic: agent_type === 'DHCP agent' ? 'dhcp_agent' : 'l3_agent', ...extra });

    it('lists no agents until one reports, and none to non-admins', async () => {
      assert.deepEqual((await t.admin.get('/v2.0/agents')).body.agents, []);
      const aliases = (await t.client.get('/v2.0/extensions')).body.extensions.map((e: { alias: string }) => e.alias);
      for (const alias of ['agent', 'dhcp_agent_scheduler', 'l3_agent_scheduler', 'service-type']) assert.ok(aliases.includes(alias), alias);
      const dhcp = await report('DHCP agent', 'host-1', { configurations: { networks: 0 }, start_flag: true });
      assert.equal(dhcp.alive, true);
      assert.equal(dhcp.admin_state_up, true);
      assert.deepEqual(dhcp.configurations, { networks: 0 });
      assert.match(dhcp.heartbeat_timestamp, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
      const listed = (await t.admin.get('/v2.0/agents?agent_type=DHCP+agent')).body.agents;
      assert.deepEqual(listed.map((a: { id: string }) => a.id), [dhcp.id]);
      assert.deepEqual((await t.client.get('/v2.0/agents')).body.agents, [], 'get_agent is admin only');
      assert.equal((await t.client.get(`/v2.0/agents/${dhcp.id}`)).body.NeutronError.type, 'AgentNotFound');
    });

    it('refreshes one row per agent type and host', async () => {
      const first = await report('L3 agent', 'host-2', { configurations: { routers: 0 } });
      const again = await report('L3 agent', 'host-2', { configurations: { routers: 3 } });
      assert.equal(again.id, first.id);
      assert.deepEqual(again.configurations, { routers: 3 });
      assert.equal(again.created_at, first.created_at);
      assert.equal((await t.admin.get('/v2.0/agents?host=host-2')).body.agents.length, 1);
    });

    it('shows agents whose reports stopped as dead', async () => {
      const agent = await report('Open vSwitch agent', 'host-stale');
      const db = t.service.app.database.db;
      await db.updateTable('agents').set({ heartbeat_timestamp: '2000-01-01 00:00:00' }).where('id', '=', agent.id).execute();
      assert.equal((await t.admin.get(`/v2.0/agents/${agent.id}`)).body.agent.alive, false);
      const dead = (await t.admin.get('/v2.0/agents?alive=false')).body.agents.map((a: { id: string }) => a.id);
      assert.deepEqual(dead, [agent.id]);
      assert.ok(!(await t.admin.get('/v2.0/agents?alive=true')).body.agents.some((a: { id: string }) => a.id === agent.id));
    });

    it('updates admin_state_up and description, refuses other changes, deletes', async () => {
      const agent = await report('Metadata agent', 'host-3');
      const updated = await t.admin.put(`/v2.0/agents/${agent.id}`, { agent: { admin_state_up: false, description: 'maintenance' } });
      assert.equal(updated.status, 200);
      assert.equal(updated.body.agent.admin_state_up, false);
      assert.equal(updated.body.agent.description, 'maintenance');
      assert.equal((await t.admin.put(`/v2.0/agents/${agent.id}`, { agent: { host: 'elsewhere' } })).status, 400);
      const byMember = await t.client.put(`/v2.0/agents/${agent.id}`, { agent: { admin_state_up: true } });
      assert.equal(byMember.status, 404);
      assert.equal((await t.admin.post('/v2.0/agents', { agent: {} })).status, 405);
      assert.equal((await t.admin.del(`/v2.0/agents/${agent.id}`)).status, 204);
      assert.equal((await t.admin.get(`/v2.0/agents/${agent.id}`)).status, 404);
    });

    it('binds networks to DHCP agents as Neutron does', async () => {
      const dhcp = await report('DHCP agent', 'host-dhcp');
      const l3 = await report('L3 agent', 'host-l3');
      const net = (await t.admin.post('/v2.0/networks', { network: { name: 'hosted' } })).body.network;
      assert.deepEqual((await t.admin.get(`/v2.0/networks/${net.id}/dhcp-agents`)).body.agents, []);
      assert.deepEqual((await t.admin.get(`/v2.0/agents/${dhcp.id}/dhcp-networks`)).body.networks, []);

      const bound = await t.admin.post(`/v2.0/agents/${dhcp.id}/dhcp-networks`, { network_id: net.id });
      assert.equal(bound.status, 201);
      assert.equal(bound.body, null);
      assert.deepEqual((await t.admin.get(`/v2.0/networks/${net.id}/dhcp-agents`)).body.agents.map((a: { id: string }) => a.id), [dhcp.id]);
      assert.deepEqual((await t.admin.get(`/v2.0/agents/${dhcp.id}/dhcp-networks?fields=id`)).body.networks, [{ id: net.id }]);

      const twice = await t.admin.post(`/v2.0/agents/${dhcp.id}/dhcp-networks`, { network_id: net.id });
      assert.equal(twice.status, 409);
      assert.equal(twice.body.NeutronError.type, 'NetworkHostedByDHCPAgent');
      const wrongType = await t.admin.post(`/v2.0/agents/${l3.id}/dhcp-networks`, { network_id: net.id });
      assert.equal(wrongType.status, 404);
      assert.equal(wrongType.body.NeutronError.type, 'InvalidDHCPAgent');
      const noAgent = await t.admin.post('/v2.0/agents/0b4bd5a4-7a6e-4b7d-8b4e-3f9c1b2d0001/dhcp-networks', { network_id: net.id });
      assert.equal(noAgent.body.NeutronError.type, 'AgentNotFound');
      const noNet = await t.admin.post(`/v2.0/agents/${dhcp.id}/dhcp-networks`, { network_id: '0b4bd5a4-7a6e-4b7d-8b4e-3f9c1b2d0002' });
      assert.equal(noNet.body.NeutronError.type, 'NetworkNotFound');
      const member = await t.client.get(`/v2.0/networks/${net.id}/dhcp-agents`);
      assert.equal(member.status, 403);
      assert.equal(member.body.NeutronError.type, 'PolicyNotAuthorized');

      assert.equal((await t.admin.del(`/v2.0/agents/${dhcp.id}/dhcp-networks/${net.id}`)).status, 204);
      const notHosted = await t.admin.del(`/v2.0/agents/${dhcp.id}/dhcp-networks/${net.id}`);
      assert.equal(notHosted.status, 409);
      assert.equal(notHosted.body.NeutronError.type, 'NetworkNotHostedByDhcpAgent');

      // Bindings go with the network and with the agent.
      await t.admin.post(`/v2.0/agents/${dhcp.id}/dhcp-networks`, { network_id: net.id });
      assert.equal((await t.admin.del(`/v2.0/networks/${net.id}`)).status, 204);
      assert.deepEqual((await t.admin.get(`/v2.0/agents/${dhcp.id}/dhcp-networks`)).body.networks, []);
      const disabled = await report('DHCP agent', 'host-dhcp-2');
      await t.admin.put(`/v2.0/agents/${disabled.id}`, { agent: { admin_state_up: false } });
      const other = (await t.admin.post('/v2.0/networks', { network: { name: 'other' } })).body.network;
      assert.equal((await t.admin.post(`/v2.0/agents/${disabled.id}/dhcp-networks`, { network_id: other.id })).body.NeutronError.type, 'InvalidDHCPAgent');
    });

    it('hosts a legacy router on one L3 agent', async () => {
      const a = await report('L3 agent', 'host-a');
      const b = await report('L3 agent', 'host-b');
      const router = (await t.admin.post('/v2.0/routers', { router: { name: 'r' } })).body.router;
      assert.equal((await t.admin.post(`/v2.0/agents/${a.id}/l3-routers`, { router_id: router.id })).status, 201);
      assert.equal((await t.admin.post(`/v2.0/agents/${a.id}/l3-routers`, { router_id: router.id })).status, 201, 'binding again is a no-op');
      const elsewhere = await t.admin.post(`/v2.0/agents/${b.id}/l3-routers`, { router_id: router.id });
      assert.equal(elsewhere.status, 409);
      assert.equal(elsewhere.body.NeutronError.type, 'RouterHostedByL3Agent');
      assert.deepEqual((await t.admin.get(`/v2.0/routers/${router.id}/l3-agents`)).body.agents.map((x: { id: string }) => x.id), [a.id]);
      assert.deepEqual((await t.admin.get(`/v2.0/agents/${a.id}/l3-routers`)).body.routers.map((x: { id: string }) => x.id), [router.id]);
      const missing = await t.admin.get('/v2.0/routers/0b4bd5a4-7a6e-4b7d-8b4e-3f9c1b2d0003/l3-agents');
      assert.equal(missing.body.NeutronError.type, 'RouterNotFound');
      assert.equal((await t.admin.del(`/v2.0/agents/${b.id}/l3-routers/${router.id}`)).body.NeutronError.type, 'RouterNotHostedByL3Agent');
      assert.equal((await t.admin.del(`/v2.0/agents/${a.id}/l3-routers/${router.id}`)).status, 204);
      assert.equal((await t.admin.post(`/v2.0/agents/${b.id}/l3-routers`, { router_id: router.id })).status, 201);
    });

    it('lists the service providers this deployment has', async () => {
      const res = await t.client.get('/v2.0/service-providers');
      assert.equal(res.status, 200);
      assert.deepEqual(res.body.service_providers, [{ service_type: 'L3_ROUTER_NAT', name: 'single_node', default: false }]);
      assert.deepEqual((await t.client.get('/v2.0/service-providers?service_type=LOADBALANCERV2')).body.service_providers, []);
      assert.deepEqual((await t.client.get('/v2.0/service-providers?default=False&fields=name')).body.service_providers, [{ name: 'single_node' }]);
      assert.equal((await t.client.get('/v2.0/service-providers?color=red')).status, 400);
    });
  });
}
