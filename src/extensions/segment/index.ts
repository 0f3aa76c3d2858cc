// Segments and routed networks: `segment` (/v2.0/segments), `standard-attr-segment`,
// `subnet-segmentid-writable`, `l2_adjacency` and `segments-peer-subnet-host-routes`. The segments are the network feature's
// rows (network_segments) and ids (its SegmentAllocator); Neutron's segment rules
// (create/get/update/delete_segment, admin only) are declared by the network feature.
import { defineFeature } from '../../framework/feature.ts';
import { l2AdjacencyExtension } from './definitions/l2-adjacency.ts';
import { segmentExtension } from './definitions/segment.ts';
import { standardAttrSegmentExtension } from './definitions/standard-attr-segment.ts';
import { subnetSegmentIdWritableExtension } from './definitions/subnet-segmentid-writable.ts';
import { segmentsPeerSubnetHostRoutesExtension } from './definitions/segments-peer-subnet-host-routes.ts';
import { SegmentService } from './segment-service.ts';
import { segmentWiring } from './wiring.ts';

export default defineFeature({
  name: 'segment',
  after: ['network', 'subnet'],
  extensions: [segmentExtension, standardAttrSegmentExtension, subnetSegmentIdWritableExtension, l2AdjacencyExtension, segmentsPeerSubnetHostRoutesExtension],
  services: (deps) => ({ segments: new SegmentService(deps) }),
  wiring: segmentWiring,
});
