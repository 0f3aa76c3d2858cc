// The `port-security-groups-filtering` API extension.
import type { ExtensionDef } from '../../../framework/definitions.ts';

export const portSecurityGroupsFilteringExtension: ExtensionDef = {
  alias: 'port-security-groups-filtering',
  name: 'Port filtering on security groups',
  description: 'Provides security groups filtering when listing ports',
  updated: '2018-01-09T09:00:00-00:00',
  requires: ['security-group'],
};
