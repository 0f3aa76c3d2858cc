// The `security-groups-shared-filtering` API extension.
import type { ExtensionDef } from '../../../framework/definitions.ts';

export const securityGroupsSharedFilteringExtension: ExtensionDef = {
  alias: 'security-groups-shared-filtering',
  name: 'Security group filtering on the shared field',
  description: 'Support security group filtering on the shared field',
  updated: '2021-03-04T10:00:00-00:00',
  requires: ['rbac-security-groups'],
};
