// Networks (core resource) with segments and provider attributes, and the extensions that
// add network attributes. Migration 0001_core created the core tables of every core
// feature (networks, segments, subnetpools, subnets, ports, ipallocations) and the
// framework's tags and quotas tables, before features had folders; it stays here, unedited.
import { defineFeature } from '../../framework/feature.ts';
import * as m0001 from './migrations/0001_core.ts';
import * as m0101 from './migrations/0101_segment_allocations_by_segment.ts';
import { NetworkService } from './network-service.ts';
import { networkRules } from './policy.ts';
import { networkExtension } from './definitions/network.ts';
import { externalNetExtension } from './definitions/external-net.ts';
import { providerExtension } from './definitions/provider.ts';
import { multiProviderExtension } from './definitions/multi-provider.ts';
import { netMtuExtension } from './definitions/net-mtu.ts';
import { netMtuWritableExtension } from './definitions/net-mtu-writable.ts';
import { portSecurityExtension } from './definitions/port-security.ts';
import { dnsIntegrationExtension } from './definitions/dns-integration.ts';
import { networkAvailabilityZoneExtension } from './definitions/network_availability_zone.ts';

export default defineFeature({
  name: 'network',
  extensions: [networkExtension, externalNetExtension, providerExtension, multiProviderExtension, netMtuExtension, netMtuWritableExtension, portSecurityExtension, dnsIntegrationExtension, networkAvailabilityZoneExtension],
  migrations: { '0001_core': m0001, '0101_segment_allocations_by_segment': m0101 },
  policy: networkRules,
  // Subnet and port rules read their network's fields as network:<attribute>.
  policyParents: [{ prefix: 'network', column: 'network_id', collection: 'networks' }],
  services: (deps) => ({ networks: new NetworkService(deps) }),
});
