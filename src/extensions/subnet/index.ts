// Subnets (core resource): addressing validation, allocation pools, subnets from pools.
import { defineFeature } from '../../framework/feature.ts';
import { subnetRules } from './policy.ts';
import { SubnetService } from './subnet-service.ts';
import { subnetExtension } from './definitions/subnet.ts';
import { subnetServiceTypesExtension } from './definitions/subnet-service-types.ts';
import { subnetDnsPublishFixedIpExtension } from './definitions/subnet-dns-publish-fixed-ip.ts';

export default defineFeature({
  name: 'subnet',
  after: ['network'],
  extensions: [subnetExtension, subnetServiceTypesExtension, subnetDnsPublishFixedIpExtension],
  policy: subnetRules,
  services: (deps) => ({ subnets: new SubnetService(deps) }),
});
