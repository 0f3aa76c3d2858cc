// RBAC policies (/v2.0/rbac-policies): sharing objects with projects. The generic
// visibility machinery is in src/framework/rbac/; this feature serves the policies and
// registers the network and subnet pool object types.
import { defineFeature } from '../../framework/feature.ts';
import * as m0020 from './migrations/0020_rbac_policies.ts';
import { rbacRules } from './policy.ts';
import { RbacService } from './rbac-service.ts';
import { rbacWiring } from './wiring.ts';
import { rbacPoliciesExtension } from './definitions/rbac-policies.ts';
import { rbacSubnetpoolExtension } from './definitions/rbac-subnetpool.ts';

export default defineFeature({
  name: 'rbac',
  after: ['network', 'subnetpool'],
  extensions: [rbacPoliciesExtension, rbacSubnetpoolExtension],
  migrations: { '0020_rbac_policies': m0020 },
  policy: rbacRules,
  wiring: rbacWiring,
  services: (deps) => ({ rbac: deps.registry.resources.has('rbac_policies') ? new RbacService(deps) : undefined }),
});
