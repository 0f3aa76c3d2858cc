// Neutron's default rules for security groups, their rules, default rules and address
// groups (neutron/conf/policies/security_group.py, default_security_group_rules.py,
// address_group.py).
import { ADMIN, ADMIN_OR_MEMBER, anyOf, crud, PROJECT_MEMBER, PROJECT_READER, SERVICE, SG_OWNER_MEMBER, SG_OWNER_READER } from '../../policy/defaults.ts';

export const securityGroupRules: Record<string, string> = {
  sg_owner: 'tenant_id:%(security_group:tenant_id)s',
  shared_security_group: 'field:security_groups:shared=True',
  shared_address_groups: 'field:address_groups:shared=True',
  // The host agents (role service) read every group, rule and address group they enforce.
  ...crud('security_group', ['rule:shared_security_group', SERVICE]),
  create_security_group_rule: anyOf(ADMIN, PROJECT_MEMBER, SG_OWNER_MEMBER),
  get_security_group_rule: anyOf(ADMIN, PROJECT_READER, SG_OWNER_READER, SERVICE),
  delete_security_group_rule: anyOf(ADMIN, PROJECT_MEMBER, SG_OWNER_MEMBER),
  create_default_security_group_rule: ADMIN,
  get_default_security_group_rule: 'rule:regular_user',
  delete_default_security_group_rule: ADMIN,
  ...crud('address_group', ['rule:shared_address_groups', SERVICE]),
  add_addresses: ADMIN_OR_MEMBER,
  remove_addresses: ADMIN_OR_MEMBER,
};
