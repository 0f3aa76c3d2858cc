// Subnet pools (core resource): prefixes, default pools, prefix operations, allocation.
import { defineFeature } from '../../framework/feature.ts';
import * as m0002 from './migrations/0002_core_ipam.ts';
import { subnetpoolRules } from './policy.ts';
import { SubnetPoolService } from './subnetpool-service.ts';
import { subnetAllocationExtension } from './definitions/subnet_allocation.ts';
import { defaultSubnetpoolsExtension } from './definitions/default-subnetpools.ts';
import { subnetpoolPrefixOpsExtension } from './definitions/subnetpool-prefix-ops.ts';
import { subnetOnboardExtension } from './definitions/subnet_onboard.ts';

export default defineFeature({
  name: 'subnetpool',
  extensions: [subnetAllocationExtension, defaultSubnetpoolsExtension, subnetpoolPrefixOpsExtension, subnetOnboardExtension],
  migrations: { '0002_core_ipam': m0002 },
  policy: subnetpoolRules,
  services: (deps) => ({ subnetpools: new SubnetPoolService(deps) }),
});
