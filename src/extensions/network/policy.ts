// Neutron's default rules for networks and segments (neutron/conf/policies/network.py,
// segment.py, network_segment_range.py), and the network-owner rules subnets and ports use.
import { ADMIN, ADMIN_OR_MEMBER, ADVSVC, anyOf, attributeRules, crud, SERVICE } from '../../policy/defaults.ts';

export const networkRules: Record<string, string> = {
  admin_or_network_owner: 'rule:context_is_admin or tenant_id:%(network:tenant_id)s',
  admin_owner_or_network_owner: 'rule:owner or rule:admin_or_network_owner',
  network_owner: 'tenant_id:%(network:tenant_id)s',
  shared: 'field:networks:shared=True',
  external: 'field:networks:router:external=True',
  ...crud('network', ['rule:shared', 'rule:external', ADVSVC, SERVICE]),
  ...attributeRules('network', ['create', 'update'], ['shared', 'router:external', 'is_default', 'segments', 'provider:network_type', 'provider:physical_network', 'provider:segmentation_id'], ADMIN),
  ...attributeRules('network', ['get'], ['segments', 'provider:network_type', 'provider:physical_network', 'provider:segmentation_id'], anyOf(ADMIN, SERVICE)),
  ...attributeRules('network', ['create', 'update'], ['port_security_enabled'], ADMIN_OR_MEMBER),
  create_segment: ADMIN,
  get_segment: ADMIN,
  update_segment: ADMIN,
  delete_segment: ADMIN,
  create_network_segment_range: ADMIN,
  get_network_segment_range: ADMIN,
  update_network_segment_range: ADMIN,
  delete_network_segment_range: ADMIN,
};
