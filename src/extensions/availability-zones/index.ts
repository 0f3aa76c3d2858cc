// Availability zones (GET /v2.0/availability_zones): the configured zones.
import { defineFeature } from '../../framework/feature.ts';
import { availabilityZone } from './definitions/availability_zone.ts';
import { availabilityZoneRoutes } from './routes.ts';

export default defineFeature({
  name: 'availability-zones',
  extensions: [availabilityZone],
  // neutron/conf/policies/availability_zone.py
  policy: { get_availability_zone: 'rule:regular_user' },
  routes: [availabilityZoneRoutes],
});
