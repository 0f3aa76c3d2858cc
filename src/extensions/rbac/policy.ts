// Neutron's default rules for RBAC policies (neutron/conf/policies/rbac.py).
import { ADMIN, anyOf, attributeRules, crud } from '../../policy/defaults.ts';

export const rbacRules: Record<string, string> = {
  restrict_wildcard: '(not field:rbac_policy:target_tenant=* and not field:rbac_policy:target_project=*) or rule:admin_only',
  ...crud('rbac_policy'),
  // A project may share its objects with named projects; only admins share with everyone.
  ...attributeRules('rbac_policy', ['create', 'update'], ['target_tenant'], anyOf(ADMIN, 'not field:rbac_policy:target_tenant=* and not field:rbac_policy:target_project=*')),
};
