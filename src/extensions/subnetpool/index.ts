// Subnet pools (core resource): prefixes, default pools, prefix operations, allocation.
import { defineFeature } from '../../framework/feature.ts';
import { subnetpoolCore, subnetpoolExtensions } from './definitions/subnetpool.ts';
import * as m0002 from './migrations/0002_core_ipam.ts';
import { subnetpoolRules } from './policy.ts';
import { SubnetPoolService } from './subnetpool-service.ts';

export default defineFeature({
  name: 'subnetpool',
  extensions: [subnetpoolCore, ...subnetpoolExtensions],
  migrations: { '0002_core_ipam': m0002 },
  policy: subnetpoolRules,
  services: (deps) => ({ subnetpools: new SubnetPoolService(deps) }),
});
