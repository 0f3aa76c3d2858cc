// Neutron's `subnet-segmentid-writable`: a subnet's segment_id may be set after creation
// (from none to a segment of its network: turning a network into a routed one).
import type { ExtensionDef } from '../../../framework/definitions.ts';

export const subnetSegmentIdWritableExtension: ExtensionDef = {
  alias: 'subnet-segmentid-writable',
  name: 'Subnet SegmentID (writable)',
  description: 'Provides a writable segment_id attribute for a subnet resource.',
  updated: '2018-03-12T00:00:00-00:00',
  requires: ['segment'],
  extendAttributes: {
    subnets: { segment_id: { type: 'uuid', allowPost: true, allowPut: true, nullable: true, default: null, enforcePolicy: true } },
  },
};
