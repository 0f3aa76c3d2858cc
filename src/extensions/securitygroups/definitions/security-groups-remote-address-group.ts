// The `security-groups-remote-address-group` API extension.
import type { ExtensionDef } from '../../../framework/definitions.ts';

export const securityGroupsRemoteAddressGroupExtension: ExtensionDef = {
  alias: 'security-groups-remote-address-group',
  name: 'Remote address group id field for security group rules',
  description: 'Add new field of remote address group id in security group rules',
  updated: '2020-07-15T10:00:00-00:00',
  requires: [
    'security-group',
    'address-group',
  ],
  extendAttributes: {
    security_group_rules: { remote_address_group_id: { type: 'string', allowPost: true, nullable: true, default: null, maxLength: 36 } },
  },
};
