// Neutron's `network-segment-range`: admin-managed ranges of segmentation ids per network
// type (and physical network for VLANs), shared or for one project, which tenant network
// allocation honours (a project's own ranges first, then shared ones).
import type { ExtensionDef } from '../../../framework/definitions.ts';

export const networkSegmentRangeExtension: ExtensionDef = {
  alias: 'network-segment-range',
  name: 'Neutron Network Segment Range',
  description: 'Provides support for the network segment range management',
  updated: '2018-11-29T00:00:00-00:00',
  resources: [
    {
      collection: 'network_segment_ranges',
      path: 'network-segment-ranges',
      member: 'network_segment_range',
      table: 'network_segment_ranges',
      attributes: {
        default: { type: 'boolean' },
        shared: { type: 'boolean', allowPost: true, default: true },
        network_type: { type: 'string', allowPost: true, required: true, enum: ['vlan', 'vxlan', 'gre', 'geneve'] },
        physical_network: { type: 'string', allowPost: true, nullable: true, default: null, maxLength: 64 },
        minimum: { type: 'integer', allowPost: true, allowPut: true, required: true, min: 1 },
        maximum: { type: 'integer', allowPost: true, allowPut: true, required: true, min: 1 },
        available: { type: 'list', storage: 'computed', filter: false, sort: false },
        used: { type: 'dict', storage: 'computed', filter: false, sort: false },
      },
    },
  ],
};
