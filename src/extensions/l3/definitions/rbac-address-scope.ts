// The `rbac-address-scope` API extension.
import type { ExtensionDef } from '../../../framework/definitions.ts';

export const rbacAddressScopeExtension: ExtensionDef = {
  alias: 'rbac-address-scope',
  name: 'Add address_scope type to RBAC',
  description: 'Add address_scope type to RBAC',
  updated: '2018-03-19T00:00:00-00:00',
  requires: ['address-scope', 'rbac-policies'],
};
