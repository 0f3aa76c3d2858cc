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
  });
}
