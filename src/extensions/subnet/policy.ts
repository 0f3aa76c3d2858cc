// Neutron's default rules for subnets (neutron/conf/policies/subnet.py).
import { ADMIN, anyOf, attributeRules, NET_OWNER_MEMBER, PROJECT_READER, SERVICE } from '../../policy/defaults.ts';

export const subnetRules: Record<string, string> = {
  create_subnet: anyOf(ADMIN, NET_OWNER_MEMBER),
  get_subnet: anyOf(ADMIN, PROJECT_READER, 'rule:shared', SERVICE),
  update_subnet: anyOf(ADMIN, NET_OWNER_MEMBER),
  delete_subnet: anyOf(ADMIN, NET_OWNER_MEMBER),
  ...attributeRules('subnet', ['create', 'update'], ['segment_id', 'service_types'], ADMIN),
  'get_subnet:segment_id': anyOf(ADMIN, SERVICE),
};
