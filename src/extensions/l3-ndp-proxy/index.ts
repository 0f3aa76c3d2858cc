// NDP proxies (Neutron's l3-ndp-proxy: /ndp-proxies) and routers' enable_ndp_proxy
// (l3-ext-ndp-proxy): IPv6 addresses of internal ports answered for on the external network.
import { defineFeature } from '../../framework/feature.ts';
import { l3NdpProxy } from './definitions/l3-ndp-proxy.ts';
import { l3ExtNdpProxy } from './definitions/l3-ext-ndp-proxy.ts';
import * as m0091 from './migrations/0091_ndp_proxies.ts';
import { ndpProxyRules } from './policy.ts';
import { NdpProxyService } from './ndp-proxy-service.ts';
import { ndpProxyWiring } from './wiring.ts';

export default defineFeature({
  name: 'l3-ndp-proxy',
  after: ['l3'],
  extensions: [l3NdpProxy, l3ExtNdpProxy],
  migrations: { '0091_ndp_proxies': m0091 },
  policy: ndpProxyRules,
  services: (deps) => ({ ndpProxies: new NdpProxyService(deps) }),
  wiring: ndpProxyWiring,
});
