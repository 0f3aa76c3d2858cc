// Neutron's default rules for routers, floating IPs, port forwardings, floating IP pools,
// address scopes and auto-allocated topologies (neutron/conf/policies/router.py,
// floatingip.py, port_forwarding.py, floatingip_pools.py, address_scope.py,
// auto_allocated_topology.py).
import { ADMIN, ADMIN_OR_MEMBER, ADMIN_OR_READER, anyOf, attributeRules, crud, PARENT_OWNER_MEMBER, PARENT_OWNER_READER, SERVICE } from '../../policy/defaults.ts';

export const l3Rules: Record<string, string> = {
  // The host agents (role service) read every router, floating IP and port forwarding they realize.
  ...crud('router', [SERVICE]),
  ...attributeRules('router', ['create', 'update'], ['external_gateway_info', 'external_gateway_info:network_id'], ADMIN_OR_MEMBER),
  ...attributeRules('router', ['create', 'update'], ['external_gateway_info:enable_snat', 'external_gateway_info:external_fixed_ips', 'distributed', 'ha'], ADMIN),
  ...attributeRules('router', ['get'], ['distributed', 'ha'], anyOf(ADMIN, SERVICE)),
  add_router_interface: ADMIN_OR_MEMBER,
  remove_router_interface: ADMIN_OR_MEMBER,
  add_extraroutes: ADMIN_OR_MEMBER,
  remove_extraroutes: ADMIN_OR_MEMBER,
  add_external_gateways: ADMIN_OR_MEMBER,
  update_external_gateways: ADMIN_OR_MEMBER,
  remove_external_gateways: ADMIN_OR_MEMBER,

  ...crud('floatingip', [SERVICE]),
  'create_floatingip:floating_ip_address': ADMIN,
  create_floatingip_port_forwarding: anyOf(ADMIN, PARENT_OWNER_MEMBER),
  get_floatingip_port_forwarding: anyOf(ADMIN, PARENT_OWNER_READER, SERVICE),
  update_floatingip_port_forwarding: anyOf(ADMIN, PARENT_OWNER_MEMBER),
  delete_floatingip_port_forwarding: anyOf(ADMIN, PARENT_OWNER_MEMBER),
  get_floatingip_pool: 'rule:regular_user',

  shared_address_scopes: 'field:address_scopes:shared=True',
  ...crud('address_scope', ['rule:shared_address_scopes']),
  ...attributeRules('address_scope', ['create', 'update'], ['shared'], ADMIN),

  get_auto_allocated_topology: ADMIN_OR_READER,
  delete_auto_allocated_topology: ADMIN_OR_MEMBER,
};
