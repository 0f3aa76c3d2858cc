// The `rbac-security-groups` API extension.
import type { ExtensionDef } from '../../../framework/definitions.ts';

export const rbacSecurityGroupsExtension: ExtensionDef = {
  // Groups shared through RBAC policies (object_type security_group); `shared` is the
  // stored view of a `*` policy, rendered per caller by the generic layer.
  alias: 'rbac-security-groups',
  name: 'Add security_group type to RBAC',
  description: 'Add security_group type to network RBAC',
  updated: '2017-06-14T00:00:00-00:00',
  requires: ['rbac-policies', 'security-group'],
  extendAttributes: { security_groups: { shared: { type: 'boolean' } } },
};
