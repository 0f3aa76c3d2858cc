// The `security-groups-rules-belongs-to-default-sg` API extension.
import type { ExtensionDef } from '../../../framework/definitions.ts';

/** belongs_to_default_sg on rules. */
export const securityGroupsRulesBelongsToDefaultSgExtension: ExtensionDef = {
  alias: 'security-groups-rules-belongs-to-default-sg',
  name: "Security group rule belongs to the project's default security group",
  description: "Flag to determine if the security group rule belongs to the project's default security group",
  updated: '2023-05-23T10:00:00-00:00',
  requires: ['security-group'],
  extendAttributes: { security_group_rules: { belongs_to_default_sg: { type: 'boolean', storage: 'computed', filter: false, sort: false } } },
};
