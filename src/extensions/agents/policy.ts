// Neutron's default rules for agents and their scheduling (neutron/conf/policies/agent.py): admin only.
import { ADMIN, anyOf, SERVICE } from '../../policy/defaults.ts';

export const agentRules: Record<string, string> = {
  // Host agents (role service) read each other's tunnel endpoints.
  get_agent: anyOf(ADMIN, SERVICE),
  update_agent: ADMIN,
  delete_agent: ADMIN,
  'get_dhcp-agents': ADMIN,
  'get_dhcp-networks': ADMIN,
  'create_dhcp-network': ADMIN,
  'delete_dhcp-network': ADMIN,
  'get_l3-agents': ADMIN,
  'get_l3-routers': ADMIN,
  'create_l3-router': ADMIN,
  'delete_l3-router': ADMIN,
};
