// Neutron's `l3-ext-ndp-proxy`: routers' `enable_ndp_proxy`, which NDP proxies of a router
// need. Always false for a router without an external gateway.
import type { ExtensionDef } from '../../../framework/definitions.ts';

export const l3ExtNdpProxy: ExtensionDef = {
  alias: 'l3-ext-ndp-proxy',
  name: 'Router support to enable NDP proxy',
  description: 'Router extension to enable ndp proxy',
  updated: '2020-08-25T00:00:00-00:00',
  requires: ['router', 'ext-gw-mode'],
  extendAttributes: {
    // Absent on create means "decide": enabled when the gateway allows it and the
    // deployment enables it by default (Neutron's enable_ndp_proxy_by_default, false).
    routers: { enable_ndp_proxy: { type: 'boolean', allowPost: true, allowPut: true, nullable: true, storage: 'computed', sort: false } },
  },
};
