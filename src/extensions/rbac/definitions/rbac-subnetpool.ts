// The `rbac-subnetpool` API extension.
import type { ExtensionDef } from '../../../framework/definitions.ts';

export const rbacSubnetpoolExtension: ExtensionDef = {
  alias: 'rbac-subnetpool',
  name: 'Subnet Pool RBAC',
  description: 'Support subnetpool RBAC policies',
  updated: '2019-06-24T00:00:00-00:00',
  requires: ['rbac-policies', 'subnet_allocation'],
};
