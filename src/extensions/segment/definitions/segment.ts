// Neutron's `segment`: a network's segments as a resource (/v2.0/segments), so a network
// can have several (a routed, "spine and leaf" network), each with its own subnets
// (subnets' segment_id).
import type { ExtensionDef } from '../../../framework/definitions.ts';

export const segmentExtension: ExtensionDef = {
  alias: 'segment',
  name: 'Segment',
  description: 'Segments extension.',
  updated: '2016-02-24T17:00:00-00:00',
  resources: [
    {
      collection: 'segments',
      member: 'segment',
      // The rows provider networks' segments already live in.
      table: 'network_segments',
      // Segments have no owner of their own in Neutron (they are the network's, admin-managed).
      // Description, tags, timestamps and revision are standard-attr-segment's: declared here
      // because an extension cannot switch standard attributes on for another's resource.
      standard: { project: false },
      allowBulk: true,
      attributes: {
        network_id: { type: 'uuid', allowPost: true, required: true },
        network_type: { type: 'string', allowPost: true, required: true, maxLength: 32 },
        physical_network: { type: 'string', allowPost: true, nullable: true, default: null, maxLength: 64 },
        segmentation_id: { type: 'integer', allowPost: true, nullable: true, default: null },
        // The order of a network's segments (its first is what provider:* shows).
        segment_index: { type: 'integer', visible: false, filter: false, sort: false },
      },
    },
  ],
  extendAttributes: {
    // Set on create only; subnet-segmentid-writable makes it writable.
    subnets: { segment_id: { type: 'uuid', allowPost: true, allowPut: false, nullable: true, default: null, enforcePolicy: true } },
  },
};
