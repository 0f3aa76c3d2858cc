// POST /v2.0/agent-reports: host agents (`neutrino agent`) register and heartbeat here, as
// Neutron's agents call report_state over RPC. Admin or `service` role only. A DHCP agent's
// report also runs the automatic DHCP scheduling pass and answers the networks it hosts;
// an L3 agent's report runs the L3 scheduling pass and answers the routers it hosts; an L2
// agent that was dead or unknown gets the ports on its host whose binding failed bound again.
//
//   {"agents": [{"agent_type": "DHCP agent", "binary": "neutrino-agent", "topic": "dhcp_agent",
//                "host": "compute-1", "configurations": {...}, "start_flag": true}]}
//   → {"agents": [{...the agent as GET /v2.0/agents/{id} shows it, "hosted_networks": [...]}]}
//     (an L3 agent: "hosted_routers": [...])
import type { FastifyInstance } from 'fastify';
import type { App } from '../../app.ts';
import { badRequest, notAuthorized } from '../../foundation/errors.ts';
import { mayReport } from '../../backends/status.ts';
import { DhcpScheduler } from '../../extensions/agents/dhcp-scheduler.ts';
import { L3Scheduler } from '../../extensions/agents/l3-scheduler.ts';
import { AGENT_TYPE_DHCP, AGENT_TYPE_L3, type AgentState } from '../../extensions/agents/agent-service.ts';
import { L2_AGENT_TYPE } from '../../backends/linux/names.ts';

const isObject = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v);

function parseStates(body: unknown): AgentState[] {
  if (!isObject(body) || !Array.isArray(body.agents) || body.agents.length === 0 || body.agents.length > 16) throw badRequest('Request body must be {"agents": [...]} with 1 to 16 agents');
  return body.agents.map((a: unknown, i: number) => {
    const where = `agents[${i}]`;
    if (!isObject(a)) throw badRequest(`${where} must be an object`);
    for (const key of ['agent_type', 'binary', 'topic', 'host'] as const) {
      if (typeof a[key] !== 'string' || !a[key] || (a[key] as string).length > 255) throw badRequest(`${where}.${key} must be a non-empty string of at most 255 characters`);
    }
    if (a.configurations !== undefined && !isObject(a.configurations)) throw badRequest(`${where}.configurations must be an object`);
    if (a.start_flag !== undefined && typeof a.start_flag !== 'boolean') throw badRequest(`${where}.start_flag must be a boolean`);
    if (a.availability_zone !== undefined && a.availability_zone !== null && typeof a.availability_zone !== 'string') throw badRequest(`${where}.availability_zone must be a string`);
    return {
      agent_type: a.agent_type as string,
      binary: a.binary as string,
      topic: a.topic as string,
      host: a.host as string,
      configurations: (a.configurations as Record<string, unknown>) ?? {},
      availability_zone: (a.availability_zone as string | null | undefined) ?? null,
      start_flag: (a.start_flag as boolean | undefined) ?? false,
    };
  });
}

export function registerAgentReportRoutes(server: FastifyInstance, app: App): void {
  const scheduler = new DhcpScheduler(app);
  const l3Scheduler = new L3Scheduler(app);
  server.post('/v2.0/agent-reports', async (req) => {
    if (!mayReport(req.ctx)) throw notAuthorized('report_agent_state');
    const states = parseStates(req.body);
    const agents = app.services.agents;
    if (!agents) throw badRequest('the agent extension is not enabled');
    const reported = [];
    for (const state of states) {
      // An L2 agent coming (back) to life: ports on its host whose binding failed meanwhile are bound now.
      const revived = state.agent_type === L2_AGENT_TYPE && !(await agents.isAlive(state.agent_type, state.host));
      reported.push(await agents.reportState(state));
      if (revived) {
        const bound = await app.transact((trx) => app.services.ports.rebindFailed(trx, state.host));
        if (bound.length) app.log.info({ host: state.host, ports: bound.length }, 'ports bound again: their host has a live L2 agent');
      }
    }
    const answer: Record<string, unknown>[] = [];
    const dhcp = reported.filter((a) => a.agent_type === AGENT_TYPE_DHCP);
    let hosted = new Map<string, string[]>();
    if (dhcp.length) {
      hosted = await app.transact(async (trx) => {
        const changed = await scheduler.schedule(trx);
        if (changed.added.length || changed.removed.length) app.log.info({ ...changed }, 'DHCP networks scheduled');
        return new Map(await Promise.all(dhcp.map(async (a) => [a.id as string, await scheduler.networksOf(trx, a.id)] as const)));
      });
    }
    const l3 = reported.filter((a) => a.agent_type === AGENT_TYPE_L3);
    const routers = new Map<string, string[]>();
    if (l3.length && app.registry.has('l3_agent_scheduler')) {
      await app.transact(async (trx) => {
        const changed = await l3Scheduler.schedule(trx);
        if (changed.added.length || changed.removed.length) app.log.info({ ...changed }, 'routers scheduled');
        for (const a of l3) routers.set(a.id as string, await l3Scheduler.routersOf(trx, a.id));
      });
    }
    for (const agent of reported) {
      if (hosted.has(agent.id)) answer.push({ ...agent, hosted_networks: hosted.get(agent.id) });
      else if (routers.has(agent.id)) answer.push({ ...agent, hosted_routers: routers.get(agent.id) });
      else answer.push(agent);
    }
    return { agents: answer };
  });
}
