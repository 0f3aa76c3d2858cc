// Neutron's default rules for subnets (neutron/conf/policies/subnet.py).
import { ADMIN, any, attributeRules, NET_OWNER_MEMBER, PROJECT_READER } from '../../policy/defaults.ts';

export const subnetRules: Record<string, string> = {
  create_subnet: any(ADMIN, NET_OWNER_MEMBER),
  get_subnet: any(ADMIN, PROJECT_READER, 'rule:shared'),
  update_subnet: any(ADMIN, NET_OWNER_MEMBER),
  delete_subnet: any(ADMIN, NET_OWNER_MEMBER),
  ...attributeRules('subnet', ['create', 'update'], ['segment_id', 'service_types'], ADMIN),
  'get_subnet:segment_id': ADMIN,
};
