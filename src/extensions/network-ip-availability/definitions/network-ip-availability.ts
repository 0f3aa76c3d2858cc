// network-ip-availability: served by a route module (src/api/routes/network-ip-availability.ts),
// not a stored resource.
import type { ExtensionDef } from '../../../framework/definitions.ts';

export const networkIpAvailabilityExtension: ExtensionDef = {
  alias: 'network-ip-availability',
  name: 'Network IP Availability',
  description: 'Provides IP availability data for each network and subnet.',
  updated: '2015-09-24T00:00:00-00:00',
};
