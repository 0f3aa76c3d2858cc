// Automatic L3 scheduling through POST /v2.0/agent-reports: every router is hosted by one
// live L3 agent (least loaded first), visible through /routers/{id}/l3-agents and
// /agents/{id}/l3-routers, and moved off an agent that died. SQLite and PostgreSQL.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { dialects, startTestServer, type TestServer, type ApiClient } from '../helpers/server.ts';

const l3 = (host: string) => ({ agent_type: 'L3 agent', binary: 'neutrino-agent', topic: 'l3_agent', host, configurations: { agent_mode: 'legacy' } });

for (const dialect of dialects()) {
  describe(`L3 scheduling (${dialect})`, () => {
    let t: TestServer;
    let service: ApiClient;
    before(async () => {
      t = await startTestServer(dialect, { 'backend.driver': 'linux', 'agents.agent_down_time': 3 });
      service = t.admin.as({ project: 'service', roles: 'service' });
    });
    after(async () => t?.close());

    it('schedules each router to one live L3 agent, least loaded first, and moves routers off a dead agent', async () => {
      const r1 = (await t.client.post('/v2.0/routers', { router: { name: 'r1' } })).body.router;
      const a = (await service.post('/v2.0/agent-reports', { agents: [l3('la')] })).body.agents[0];
      assert.deepEqual(a.hosted_routers, [r1.id], 'the only live agent takes the router');
      const b = (await service.post('/v2.0/agent-reports', { agents: [l3('lb')] })).body.agents[0];
      assert.deepEqual(b.hosted_routers, [], 'a router is hosted once');
      const r2 = (await t.client.post('/v2.0/routers', { router: { name: 'r2' } })).body.router;
      const b2 = (await service.post('/v2.0/agent-reports', { agents: [l3('lb')] })).body.agents[0];
      assert.deepEqual(b2.hosted_routers, [r2.id], 'the least loaded agent takes the next router');
      assert.deepEqual((await t.admin.get(`/v2.0/routers/${r1.id}/l3-agents`)).body.agents.map((x: any) => x.host), ['la']);
      assert.deepEqual((await t.admin.get(`/v2.0/agents/${b.id}/l3-routers`)).body.routers.map((x: any) => x.id), [r2.id]);
      // Binding by hand to the hosting agent is accepted; to another agent it conflicts (one agent per router).
      assert.equal((await t.admin.post(`/v2.0/agents/${a.id}/l3-routers`, { router_id: r1.id })).status, 201);
      assert.equal((await t.admin.post(`/v2.0/agents/${b.id}/l3-routers`, { router_id: r1.id })).status, 409);
      // la stops reporting: once dead, its router moves to lb at lb's next report.
      await new Promise((r) => setTimeout(r, 4200));
      const moved = (await service.post('/v2.0/agent-reports', { agents: [l3('lb')] })).body.agents[0];
      assert.deepEqual(moved.hosted_routers, [r1.id, r2.id].sort());
      assert.deepEqual((await t.admin.get(`/v2.0/routers/${r1.id}/l3-agents`)).body.agents.map((x: any) => x.host), ['lb']);
      // A disabled agent gets no new router.
      await t.admin.put(`/v2.0/agents/${moved.id}`, { agent: { admin_state_up: false } });
      const r3 = (await t.client.post('/v2.0/routers', { router: { name: 'r3' } })).body.router;
      await service.post('/v2.0/agent-reports', { agents: [l3('lb')] });
      assert.deepEqual((await t.admin.get(`/v2.0/routers/${r3.id}/l3-agents`)).body.agents, []);
      // Deleting a router removes its binding.
      assert.equal((await t.client.del(`/v2.0/routers/${r2.id}`)).status, 204);
      assert.deepEqual((await t.admin.get(`/v2.0/agents/${moved.id}/l3-routers`)).body.routers.map((x: any) => x.id), [r1.id]);
    });

    it('status from the agents: a router is BUILD and a floating IP DOWN until an L3 agent reports what it realized', async () => {
      const ext = (await t.admin.post('/v2.0/networks', { network: { name: 'ext-status', 'router:external': true } })).body.network;
      await t.admin.post('/v2.0/subnets', { subnet: { network_id: ext.id, cidr: '198.51.100.0/24', ip_version: 4 } });
      const net = (await t.client.post('/v2.0/networks', { network: { name: 'in-status' } })).body.network;
      const subnet = (await t.client.post('/v2.0/subnets', { subnet: { network_id: net.id, cidr: '10.9.0.0/24', ip_version: 4 } })).body.subnet;
      const router = (await t.client.post('/v2.0/routers', { router: { name: 'r-status', external_gateway_info: { network_id: ext.id } } })).body.router;
      assert.equal(router.status, 'BUILD');
      await t.client.put(`/v2.0/routers/${router.id}/add_router_interface`, { subnet_id: subnet.id });
      const port = (await t.client.post('/v2.0/ports', { port: { network_id: net.id } })).body.port;
      const other = (await t.client.post('/v2.0/ports', { port: { network_id: net.id } })).body.port;
      const fip = (await t.client.post('/v2.0/floatingips', { floatingip: { floating_network_id: ext.id, port_id: port.id } })).body.floatingip;
      assert.equal(fip.status, 'DOWN', 'associated, but no agent has realized it');
      const report = async (resource: string, id: string, status: string) => {
        const current = (await t.admin.get(`/v2.0/${resource}/${id}`)).body[resource === 'routers' ? 'router' : 'floatingip'];
        const answer = await service.post('/v2.0/status-reports', { reports: [{ resource, id, revision: current.revision_number, status }] });
        assert.equal(answer.body.results[0].result, 'applied', JSON.stringify(answer.body));
      };
      await report('routers', router.id, 'ACTIVE');
      await report('floatingips', fip.id, 'ACTIVE');
      assert.equal((await t.client.get(`/v2.0/routers/${router.id}`)).body.router.status, 'ACTIVE');
      // Moving or releasing leaves the status to the agent (it reports the new revision).
      const moved = (await t.client.put(`/v2.0/floatingips/${fip.id}`, { floatingip: { port_id: other.id } })).body.floatingip;
      assert.equal(moved.status, 'ACTIVE');
      const released = (await t.client.put(`/v2.0/floatingips/${fip.id}`, { floatingip: { port_id: null } })).body.floatingip;
      assert.equal(released.status, 'ACTIVE', 'until the agent reports the mapping gone');
      await report('floatingips', fip.id, 'DOWN');
      assert.equal((await t.client.get(`/v2.0/floatingips/${fip.id}`)).body.floatingip.status, 'DOWN');
      // A router no L3 agent realized stays BUILD.
      const lonely = (await t.client.post('/v2.0/routers', { router: { name: 'r-none' } })).body.router;
      assert.equal((await t.client.get(`/v2.0/routers/${lonely.id}`)).body.router.status, 'BUILD');
    });
  });
}
