// The `security-groups-normalized-cidr` API extension.
import type { ExtensionDef } from '../../../framework/definitions.ts';

export const securityGroupsNormalizedCidrExtension: ExtensionDef = {
  alias: 'security-groups-normalized-cidr',
  name: 'Security group rule normalized CIDR',
  description: 'Add new field with normalized remote_ip_prefix cidr in SG rule',
  updated: '2022-03-01T10:00:00-00:00',
  requires: ['security-group'],
  extendAttributes: { security_group_rules: { normalized_cidr: { type: 'string' } } },
};
