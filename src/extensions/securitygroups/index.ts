// Security groups and their rules, default security group rules, address groups (rules
// refer to them; migrations 0040 and 0042 created both) and ports' security_groups.
import { defineFeature } from '../../framework/feature.ts';
import * as m0040 from './migrations/0040_security_groups.ts';
import * as m0041 from './migrations/0041_default_security_group_rules.ts';
import * as m0042 from './migrations/0042_shared_groups.ts';
import * as m0103 from './migrations/0103_rule_remote_partial_indexes.ts';
import { securityGroupRules } from './policy.ts';
import { AddressGroupService } from './address-group-service.ts';
import { DefaultRuleService } from './default-rule-service.ts';
import { PortSecurityGroups } from './port-security-groups.ts';
import { SecurityGroupRuleService } from './rule-service.ts';
import { SecurityGroupService } from './security-group-service.ts';
import { securityGroupWiring } from './wiring.ts';
import { securityGroupExtension } from './definitions/security-group.ts';
import { statefulSecurityGroupExtension } from './definitions/stateful-security-group.ts';
import { securityGroupsNormalizedCidrExtension } from './definitions/security-groups-normalized-cidr.ts';
import { securityGroupsRemoteAddressGroupExtension } from './definitions/security-groups-remote-address-group.ts';
import { portSecurityGroupsFilteringExtension } from './definitions/port-security-groups-filtering.ts';
import { rbacSecurityGroupsExtension } from './definitions/rbac-security-groups.ts';
import { securityGroupsSharedFilteringExtension } from './definitions/security-groups-shared-filtering.ts';
import { securityGroupsDefaultRulesExtension } from './definitions/security-groups-default-rules.ts';
import { securityGroupsRulesBelongsToDefaultSgExtension } from './definitions/security-groups-rules-belongs-to-default-sg.ts';
import { addressGroupExtension } from './definitions/address-group.ts';
import { rbacAddressGroupExtension } from './definitions/rbac-address-group.ts';

export default defineFeature({
  name: 'securitygroups',
  after: ['network', 'port', 'rbac'],
  extensions: [securityGroupExtension, statefulSecurityGroupExtension, securityGroupsNormalizedCidrExtension, securityGroupsRemoteAddressGroupExtension, portSecurityGroupsFilteringExtension, rbacSecurityGroupsExtension, securityGroupsSharedFilteringExtension, securityGroupsDefaultRulesExtension, securityGroupsRulesBelongsToDefaultSgExtension, addressGroupExtension, rbacAddressGroupExtension],
  migrations: { '0040_security_groups': m0040, '0041_default_security_group_rules': m0041, '0042_shared_groups': m0042, '0103_rule_remote_partial_indexes': m0103 },
  policy: securityGroupRules,
  // Rule rules read their group's fields as security_group:<attribute>.
  policyParents: [{ prefix: 'security_group', column: 'security_group_id', collection: 'security_groups' }],
  // Its edges do nothing where security groups are not served (no portSecurityGroups).
  wiring: securityGroupWiring,
  cascades: [{ parent: 'security_groups', resource: 'security_group_rules', column: 'security_group_id' }],
  services: (deps) => {
    const has = (collection: string) => deps.registry.resources.has(collection);
    const securityGroups = has('security_groups') ? new SecurityGroupService(deps) : undefined;
    return {
      securityGroups,
      securityGroupRules: securityGroups ? new SecurityGroupRuleService(deps) : undefined,
      portSecurityGroups: securityGroups ? new PortSecurityGroups(securityGroups) : undefined,
      addressGroups: has('address_groups') ? new AddressGroupService(deps) : undefined,
      defaultSecurityGroupRules: has('default_security_group_rules') ? new DefaultRuleService(deps) : undefined,
    };
  },
});
