// The `network_availability_zone` API extension.
import type { ExtensionDef } from '../../../framework/definitions.ts';

export const networkAvailabilityZoneExtension: ExtensionDef = {
  alias: 'network_availability_zone',
  name: 'Network Availability Zone',
  description: 'Availability zone support for network.',
  updated: '2015-01-01T10:00:00-00:00',
  requires: ['availability_zone'],
  extendAttributes: {
    networks: {
      availability_zone_hints: { type: 'list', items: 'string', allowPost: true, default: [], filter: false },
      availability_zones: { type: 'list', storage: 'computed', filter: false },
    },
  },
};
