// availability_zone_filter (a shim): GET /v2.0/availability_zones filters on name, resource
// and state (../routes.ts); other filters answer 400.
import type { ExtensionDef } from '../../../framework/definitions.ts';

export const availabilityZoneFilterExtension: ExtensionDef = {
  alias: 'availability_zone_filter',
  name: 'Availability Zone Filter Extension',
  description: 'Add filter parameters to AvailabilityZone resource',
  updated: '2018-06-22T10:00:00-00:00',
  requires: ['availability_zone'],
};
