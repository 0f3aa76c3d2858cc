// Security groups and their rules (neutron-lib security-group), and ports' `security_groups`.
import type { ExtensionDef } from '../../../framework/definitions.ts';
import { ruleAttributes } from './shared-attributes.ts';

export const securityGroupExtension: ExtensionDef = {
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
    ports: {
      security_groups: {
        type: 'list',
        items: 'uuid',
        allowPost: true,
        allowPut: true,
        nullable: true,
        filter: false,
        // A UUID list in Neutron holds no duplicates (400 on create and update).
        validate: (ids: string[]) => {
          const dup = ids.find((id, i) => ids.indexOf(id) !== i);
          return dup === undefined ? undefined : `Duplicate items in the list: '${dup}'`;
        },
      },
    },
  },
};
