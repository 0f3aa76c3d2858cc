// Neutron's `l3-flavors`: a router is created with a flavor (`flavor_id`) of service type
// L3_ROUTER_NAT.
import type { ExtensionDef } from '../../../framework/definitions.ts';

export const l3FlavorsExtension: ExtensionDef = {
  alias: 'l3-flavors',
  name: 'Router Flavor Extension',
  description: 'Flavor support for routers.',
  updated: '2016-05-17T00:00:00-00:00',
  requires: ['router', 'flavors'],
  extendAttributes: {
    routers: { flavor_id: { type: 'uuid', allowPost: true, nullable: true, default: null } },
  },
};
