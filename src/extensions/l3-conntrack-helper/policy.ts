// Neutron's default rules for conntrack helpers (neutron/conf/policies/l3_conntrack_helper.py):
// the router's owner manages its helpers. Sub-resource targets carry the router's fields as
// `ext_parent:<attribute>`.
import { ADMIN, anyOf, PARENT_OWNER_MEMBER, PARENT_OWNER_READER } from '../../policy/defaults.ts';

export const conntrackHelperRules: Record<string, string> = {
  create_router_conntrack_helper: anyOf(ADMIN, PARENT_OWNER_MEMBER),
  get_router_conntrack_helper: anyOf(ADMIN, PARENT_OWNER_READER),
  update_router_conntrack_helper: anyOf(ADMIN, PARENT_OWNER_MEMBER),
  delete_router_conntrack_helper: anyOf(ADMIN, PARENT_OWNER_MEMBER),
};
