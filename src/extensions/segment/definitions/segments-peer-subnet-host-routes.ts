// Neutron's `segments-peer-subnet-host-routes`: on a routed network, each subnet gets a
// host route to every subnet of the same IP version on the network's other segments, via
// its own gateway.
import type { ExtensionDef } from '../../../framework/definitions.ts';

export const segmentsPeerSubnetHostRoutesExtension: ExtensionDef = {
  alias: 'segments-peer-subnet-host-routes',
  name: 'Segments peer-subnet host routes',
  description: 'Add host routes to subnets on a routed network (segments)',
  updated: '2018-06-12T10:00:00-00:00',
  requires: ['segment'],
};
