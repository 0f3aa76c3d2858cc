// The `dhcp_agent_scheduler` API extension.
import type { ExtensionDef } from '../../../framework/definitions.ts';

export const dhcpAgentSchedulerExtension: ExtensionDef = {
  alias: 'dhcp_agent_scheduler',
  name: 'DHCP Agent Scheduler',
  description: 'Schedule networks among dhcp agents',
  updated: '2013-02-07T10:00:00-00:00',
  requires: ['agent'],
};
