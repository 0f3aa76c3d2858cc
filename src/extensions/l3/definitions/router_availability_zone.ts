// The `router_availability_zone` API extension.
import type { ExtensionDef } from '../../../framework/definitions.ts';

export const routerAvailabilityZoneExtension: ExtensionDef = {
  alias: 'router_availability_zone',
  name: 'Router Availability Zone',
  description: 'Availability zone support for router.',
  updated: '2015-01-01T10:00:00-00:00',
  requires: ['router', 'availability_zone'],
  extendAttributes: {
    routers: {
      availability_zone_hints: { type: 'list', items: 'string', allowPost: true, default: [], filter: false },
      availability_zones: { type: 'list', storage: 'computed', filter: false },
    },
  },
};
