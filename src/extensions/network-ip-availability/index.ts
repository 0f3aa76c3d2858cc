// Network IP availability (GET /v2.0/network-ip-availabilities): addresses per network and subnet.
import { defineFeature } from '../../framework/feature.ts';
import { ADMIN } from '../../policy/defaults.ts';
import { NetworkIpAvailabilityService } from './availability.ts';
import { networkIpAvailabilityRoutes } from './routes.ts';
import { networkIpAvailabilityExtension } from './definitions/network-ip-availability.ts';

export default defineFeature({
  name: 'network-ip-availability',
  extensions: [networkIpAvailabilityExtension],
  // neutron/conf/policies/network_ip_availability.py
  policy: { get_network_ip_availability: ADMIN },
  services: (deps) => ({ networkIpAvailability: deps.registry.has('network-ip-availability') ? new NetworkIpAvailabilityService(deps) : undefined }),
  routes: [networkIpAvailabilityRoutes],
});
