// The `l3_agent_scheduler` API extension.
import type { ExtensionDef } from '../../../framework/definitions.ts';

export const l3AgentSchedulerExtension: ExtensionDef = {
  alias: 'l3_agent_scheduler',
  name: 'L3 Agent Scheduler',
  description: 'Schedule routers among l3 agents',
  updated: '2013-02-07T10:00:00-00:00',
  requires: ['agent', 'router'],
};
