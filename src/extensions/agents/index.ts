// Agents (host agents register and heartbeat) and scheduling networks to DHCP agents and
// routers to L3 agents. Their tables were created by metering's 0050_metering_agents.
import { defineFeature } from '../../framework/feature.ts';
import { AgentScheduling, DHCP_BINDINGS, L3_BINDINGS } from './agent-scheduling.ts';
import { AgentService } from './agent-service.ts';
import { DhcpScheduler } from './dhcp-scheduler.ts';
import { agentsWiring } from './wiring.ts';
import { agentRules } from './policy.ts';
import { agentSchedulingRoutes } from './scheduling-routes.ts';
import { agentExtension } from './definitions/agent.ts';
import { agentResourcesSyncedExtension } from './definitions/agent-resources-synced.ts';
import { dhcpAgentSchedulerExtension } from './definitions/dhcp_agent_scheduler.ts';
import { l3AgentSchedulerExtension } from './definitions/l3_agent_scheduler.ts';

export default defineFeature({
  name: 'agents',
  extensions: [agentExtension, agentResourcesSyncedExtension, dhcpAgentSchedulerExtension, l3AgentSchedulerExtension],
  policy: agentRules,
  services: (deps) => ({
    agents: deps.registry.resources.has('agents') ? new AgentService(deps) : undefined,
    agentScheduling: [DHCP_BINDINGS, L3_BINDINGS].filter((kind) => deps.registry.has(kind.alias)).map((kind) => new AgentScheduling(deps, kind)),
    dhcpScheduler: deps.registry.resources.has('agents') && deps.registry.has(DHCP_BINDINGS.alias) ? new DhcpScheduler(deps) : undefined,
  }),
  wiring: agentsWiring,
  routes: [agentSchedulingRoutes],
});
