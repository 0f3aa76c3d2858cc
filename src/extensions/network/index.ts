// Networks (core resource) with segments and provider attributes, and the extensions that
// add network attributes. Migration 0001_core created the core tables of every core
// feature (networks, segments, subnetpools, subnets, ports, ipallocations) and the
// framework's tags and quotas tables, before features had folders; it stays here, unedited.
import { defineFeature } from '../../framework/feature.ts';
import { networkCore, networkExtensions } from './definitions/network.ts';
import * as m0001 from './migrations/0001_core.ts';
import { NetworkService } from './network-service.ts';
import { networkRules } from './policy.ts';

export default defineFeature({
  name: 'network',
  extensions: [networkCore, ...networkExtensions],
  migrations: { '0001_core': m0001 },
  policy: networkRules,
  // Subnet and port rules read their network's fields as network:<attribute>.
  policyParents: [{ prefix: 'network', column: 'network_id', collection: 'networks' }],
  services: (deps) => ({ networks: new NetworkService(deps) }),
});
