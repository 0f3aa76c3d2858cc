// network-segment-range: admin-managed segmentation id ranges that tenant network
// allocation honours (through the network feature's SegmentAllocator.rangeSource).
import { defineFeature } from '../../framework/feature.ts';
import { networkSegmentRangeExtension } from './definitions/network-segment-range.ts';
import * as m0081 from './migrations/0081_network_segment_ranges.ts';
import { networkSegmentRangeRules } from './policy.ts';
import { NetworkSegmentRangeService } from './range-service.ts';

export default defineFeature({
  name: 'network-segment-range',
  after: ['network'],
  extensions: [networkSegmentRangeExtension],
  migrations: { '0081_network_segment_ranges': m0081 },
  policy: networkSegmentRangeRules,
  services: (deps) => ({ networkSegmentRanges: new NetworkSegmentRangeService(deps) }),
});
