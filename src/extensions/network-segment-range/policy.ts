// Neutron's default rules for network segment ranges (neutron/conf/policies/network_segment_range.py): admin only.
import { ADMIN } from '../../policy/defaults.ts';

export const networkSegmentRangeRules: Record<string, string> = {
  create_network_segment_range: ADMIN,
  get_network_segment_range: ADMIN,
  update_network_segment_range: ADMIN,
  delete_network_segment_range: ADMIN,
};
