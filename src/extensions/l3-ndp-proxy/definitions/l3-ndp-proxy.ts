// Neutron's `l3-ndp-proxy`: /ndp-proxies, a router answering neighbour solicitations on its
// external network for one IPv6 address of an internal port, so that address is reachable
// from outside without NAT (both networks in one IPv6 address scope).
import type { ExtensionDef } from '../../../framework/definitions.ts';

export const l3NdpProxy: ExtensionDef = {
  alias: 'l3-ndp-proxy',
  // Neutron's definition reuses its NAME/DESCRIPTION constants as attribute names, so the
  // real service lists this extension as "name"/"description"; clients see the same here.
  name: 'name',
  description: 'description',
  updated: '2021-06-29T10:00:00-00:00',
  requires: ['router'],
  resources: [
    {
      collection: 'ndp_proxies',
      path: 'ndp-proxies',
      member: 'ndp_proxy',
      table: 'ndp_proxies',
      allowBulk: false,
      attributes: {
        router_id: { type: 'uuid', allowPost: true, required: true },
        port_id: { type: 'uuid', allowPost: true, required: true },
        ip_address: { type: 'ip', allowPost: true, nullable: true, default: null },
      },
    },
  ],
};
