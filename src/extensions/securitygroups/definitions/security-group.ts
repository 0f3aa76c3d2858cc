// Security groups and their rules (neutron-lib security-group and the extensions that
// add attributes or behaviour to them), and ports' `security_groups`.
import type { AttributeDef, ExtensionDef } from '../../../framework/definitions.ts';

const feature = (alias: string, name: string, description: string, updated: string, requires = ['security-group']): ExtensionDef => ({
  alias,
  name,
  description,
  updated,
  requires,
});

/**
 * Rule attributes whose conversion raises Neutron's own error types (protocol, ethertype,
 * remote_ip_prefix) are typed `any` here and converted by the rule service.
 */
const ruleAttributes: Record<string, AttributeDef> = {
  security_group_id: { type: 'string', allowPost: true, required: true, maxLength: 36 },
  direction: { type: 'string', allowPost: true, required: true, enum: ['ingress', 'egress'] },
  ethertype: { type: 'any', allowPost: true, default: 'IPv4' },
  protocol: { type: 'any', allowPost: true, nullable: true, default: null },
  port_range_min: { type: 'integer', allowPost: true, nullable: true, default: null },
  port_range_max: { type: 'integer', allowPost: true, nullable: true, default: null },
  remote_ip_prefix: { type: 'any', allowPost: true, nullable: true, default: null },
  remote_group_id: { type: 'string', allowPost: true, nullable: true, default: null, maxLength: 36 },
  // Internal: the rule's identity for duplicate detection (unique per group).
  fingerprint: { type: 'string', visible: false, filter: false, sort: false },
};

const securityGroupExtension: ExtensionDef = {
  alias: 'security-group',
  name: 'security-group',
  description: 'The security groups extension.',
  updated: '2012-10-05T10:00:00-00:00',
  resources: [
    {
      collection: 'security_groups',
      path: 'security-groups',
      member: 'security_group',
      table: 'security_groups',
      quota: 'security_group',
      allowBulk: true,
      attributes: {
        security_group_rules: { type: 'list', storage: 'computed', filter: false, sort: false },
      },
    },
    {
      collection: 'security_group_rules',
      path: 'security-group-rules',
      member: 'security_group_rule',
      table: 'security_group_rules',
      quota: 'security_group_rule',
      allowBulk: true,
      standard: { name: false, tags: false },
      attributes: ruleAttributes,
    },
  ],
  extendAttributes: {
    // Stored as JSON on the port (for reads) and in securitygroupportbindings (for
    // "in use" checks); validated and defaulted by the port hooks in services/securitygroups.
    ports: { security_groups: { type: 'list', items: 'uuid', allowPost: true, allowPut: true, nullable: true, filter: false } },
  },
};

/** Extensions that add attributes to groups and rules. */
const attributeExtensions: ExtensionDef[] = [
  {
    ...feature('stateful-security-group', 'Stateful security group', 'Indicates if the security group is stateful or not', '2019-11-26T09:00:00-00:00'),
    extendAttributes: { security_groups: { stateful: { type: 'boolean', allowPost: true, allowPut: true, default: true } } },
  },
  {
    ...feature('security-groups-normalized-cidr', 'Security group rule normalized CIDR', 'Add new field with normalized remote_ip_prefix cidr in SG rule', '2022-03-01T10:00:00-00:00'),
    extendAttributes: { security_group_rules: { normalized_cidr: { type: 'string' } } },
  },
  {
    ...feature('security-groups-remote-address-group', 'Remote address group id field for security group rules', 'Add new field of remote address group id in security group rules', '2020-07-15T10:00:00-00:00', [
      'security-group',
      'address-group',
    ]),
    extendAttributes: {
      security_group_rules: { remote_address_group_id: { type: 'string', allowPost: true, nullable: true, default: null, maxLength: 36 } },
    },
  },
  feature('port-security-groups-filtering', 'Port filtering on security groups', 'Provides security groups filtering when listing ports', '2018-01-09T09:00:00-00:00'),
  {
    // Groups shared through RBAC policies (object_type security_group); `shared` is the
    // stored view of a `*` policy, rendered per caller by the generic layer.
    ...feature('rbac-security-groups', 'Add security_group type to RBAC', 'Add security_group type to network RBAC', '2017-06-14T00:00:00-00:00', ['rbac-policies', 'security-group']),
    extendAttributes: { security_groups: { shared: { type: 'boolean' } } },
  },
  feature('security-groups-shared-filtering', 'Security group filtering on the shared field', 'Support security group filtering on the shared field', '2021-03-04T10:00:00-00:00', ['rbac-security-groups']),
];

/** The template of the rules every new group starts with (admins change it; everyone reads it). */
const defaultRulesExtension: ExtensionDef = {
  ...feature('security-groups-default-rules', 'Default rules for security groups', 'Configure set of security group rules used as default rules for every new security group', '2022-12-19T10:00:00-00:00', [
    'security-group',
    'standard-attr-description',
  ]),
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

/** belongs_to_default_sg on rules. */
const belongsToDefaultExtension: ExtensionDef = {
  ...feature('security-groups-rules-belongs-to-default-sg', "Security group rule belongs to the project's default security group", "Flag to determine if the security group rule belongs to the project's default security group", '2023-05-23T10:00:00-00:00'),
  extendAttributes: { security_group_rules: { belongs_to_default_sg: { type: 'boolean', storage: 'computed', filter: false, sort: false } } },
};

export const securityGroupExtensions: ExtensionDef[] = [securityGroupExtension, ...attributeExtensions, defaultRulesExtension, belongsToDefaultExtension];
