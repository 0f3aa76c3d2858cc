// The `rbac-address-group` API extension.
import type { ExtensionDef } from '../../../framework/definitions.ts';

/** Address groups shared through RBAC policies (object_type address_group). */
export const rbacAddressGroupExtension: ExtensionDef = {
  alias: 'rbac-address-group',
  name: 'Add address_group type to RBAC',
  description: 'Add address_group type to RBAC',
  updated: '2021-02-01T00:00:00-00:00',
  requires: ['rbac-policies', 'address-group'],
  // Not shown (as in Neutron), but what policies and the generic layer's sharing use.
  extendAttributes: { address_groups: { shared: { type: 'boolean', visible: false } } },
};
