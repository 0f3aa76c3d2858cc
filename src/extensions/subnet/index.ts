// Subnets (core resource): addressing validation, allocation pools, subnets from pools.
import { defineFeature } from '../../framework/feature.ts';
import { subnetCore, subnetExtensions } from './definitions/subnet.ts';
import { subnetRules } from './policy.ts';
import { SubnetService } from './subnet-service.ts';

export default defineFeature({
  name: 'subnet',
  after: ['network'],
  extensions: [subnetCore, ...subnetExtensions],
  policy: subnetRules,
  services: (deps) => ({ subnets: new SubnetService(deps) }),
});
