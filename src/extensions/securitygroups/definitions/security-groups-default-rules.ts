// The `security-groups-default-rules` API extension.
import type { ExtensionDef } from '../../../framework/definitions.ts';
import { ruleAttributes } from './shared-attributes.ts';

/** The template of the rules every new group starts with (admins change it; everyone reads it). */
export const securityGroupsDefaultRulesExtension: ExtensionDef = {
  alias: 'security-groups-default-rules',
  name: 'Default rules for security groups',
  description: 'Configure set of security group rules used as default rules for every new security group',
  updated: '2022-12-19T10:00:00-00:00',
  requires: [
    'security-group',
    'standard-attr-description',
  ],
  resources: [
    {
      collection: 'default_security_group_rules',
      path: 'default-security-group-rules',
      member: 'default_security_group_rule',
      table: 'default_security_group_rules',
      allowBulk: true,
      standard: { name: false, tags: false, project: false, timestamps: false, revision: false },
      attributes: {
        description: { type: 'string', allowPost: true, default: '', maxLength: 255 },
        direction: ruleAttributes.direction,
        ethertype: ruleAttributes.ethertype,
        protocol: ruleAttributes.protocol,
        port_range_min: ruleAttributes.port_range_min,
        port_range_max: ruleAttributes.port_range_max,
        remote_ip_prefix: ruleAttributes.remote_ip_prefix,
        // A group id, or PARENT: the group the rule is created in.
        remote_group_id: ruleAttributes.remote_group_id,
        remote_address_group_id: { type: 'string', allowPost: true, nullable: true, default: null, maxLength: 36 },
        used_in_default_sg: { type: 'boolean', allowPost: true, default: false },
        used_in_non_default_sg: { type: 'boolean', allowPost: true, default: true },
      },
    },
  ],
};
