// Availability zones (GET /v2.0/availability_zones): the configured zones, filtered by
// name, resource and state (availability_zone_filter).
import { defineFeature } from '../../framework/feature.ts';
import { availabilityZoneRoutes } from './routes.ts';
import { availabilityZoneExtension } from './definitions/availability_zone.ts';
import { availabilityZoneFilterExtension } from './definitions/availability_zone_filter.ts';

export default defineFeature({
  name: 'availability-zones',
  extensions: [availabilityZoneExtension, availabilityZoneFilterExtension],
  // neutron/conf/policies/availability_zone.py
  policy: { get_availability_zone: 'rule:regular_user' },
  routes: [availabilityZoneRoutes],
});
