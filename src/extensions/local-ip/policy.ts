// Neutron's default rules for local IPs and their port associations
// (neutron/conf/policies/local_ip.py, local_ip_association.py).
import { ADMIN_OR_MEMBER, ADMIN_OR_READER, anyOf, crud } from '../../policy/defaults.ts';

const PARENT_OWNER = 'rule:ext_parent_owner';

export const localIpRules: Record<string, string> = {
  ...crud('local_ip'),
  create_local_ip_port_association: anyOf(ADMIN_OR_MEMBER, PARENT_OWNER),
  get_local_ip_port_association: anyOf(ADMIN_OR_READER, PARENT_OWNER),
  delete_local_ip_port_association: anyOf(ADMIN_OR_MEMBER, PARENT_OWNER),
};
