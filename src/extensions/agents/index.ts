// Agents (host agents register and heartbeat) and scheduling networks to DHCP agents and
// routers to L3 agents. Their tables were created by metering's 0050_metering_agents.
import { defineFeature } from '../../framework/feature.ts';
import { agentExtensions } from './definitions/agent.ts';
import { AgentScheduling, DHCP_BINDINGS, L3_BINDINGS } from './agent-scheduling.ts';
import { AgentService } from './agent-service.ts';
import { agentRules } from './policy.ts';
import { agentSchedulingRoutes } from './scheduling-routes.ts';

export default defineFeature({
  name: 'agents',
  extensions: agentExtensions,
  policy: agentRules,
  services: (deps) => ({
    agents: deps.registry.resources.has('agents') ? new AgentService(deps) : undefined,
    agentScheduling: [DHCP_BINDINGS, L3_BINDINGS].filter((kind) => deps.registry.has(kind.alias)).map((kind) => new AgentScheduling(deps, kind)),
  }),
  routes: [agentSchedulingRoutes],
});
