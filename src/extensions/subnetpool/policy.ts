// Neutron's default rules for subnet pools (neutron/conf/policies/subnetpool.py).
import { ADMIN, ADMIN_OR_MEMBER, attributeRules, crud } from '../../policy/defaults.ts';

export const subnetpoolRules: Record<string, string> = {
  shared_subnetpools: 'field:subnetpools:shared=True',
  ...crud('subnetpool', ['rule:shared_subnetpools']),
  ...attributeRules('subnetpool', ['create'], ['shared', 'is_default'], ADMIN),
  'update_subnetpool:is_default': ADMIN,
  onboard_network_subnets: ADMIN_OR_MEMBER,
  add_prefixes: ADMIN_OR_MEMBER,
  remove_prefixes: ADMIN_OR_MEMBER,
};
