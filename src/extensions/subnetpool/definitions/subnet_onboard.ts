// The `subnet_onboard` API extension: PUT /v2.0/subnetpools/{id}/onboard_network_subnets
// {"network_id": …} moves a network's subnets (of the pool's IP version) into the pool,
// whose prefixes grow by their CIDRs (SubnetPoolService.onboardNetworkSubnets).
import type { ExtensionDef } from '../../../framework/definitions.ts';

export const subnetOnboardExtension: ExtensionDef = {
  alias: 'subnet_onboard',
  name: 'Subnet Onboard',
  description: 'Provides support for onboarding subnets into subnet pools',
  updated: '2018-12-18T09:00:00-00:00',
  requires: ['subnet_allocation'],
};
