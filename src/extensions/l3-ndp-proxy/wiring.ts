// NDP proxies' edges in the wiring graph (src/framework/wiring.ts): one line per edge.
//   on        phase           what                                                               handler
import { extend, filter, react, referencedBy, veto, type Edge } from '../../framework/wiring.ts';

const KEEP = 'a router interface keeps the IPv6 subnets NDP proxies use (RouterInterfaceInUseByNDPProxy)';

export const ndpProxyWiring: Edge[] = [
  veto('routers', 'afterCreate', 'enable_ndp_proxy needs a gateway on an IPv6 network in an address scope', (op, s) => s.ndpProxies?.routerCreated(op)),
  veto('routers', 'beforeUpdate', 'enable_ndp_proxy; the gateway stays while NDP proxies use it', (op, s) => s.ndpProxies?.routerUpdating(op)),
  react('routers', 'beforeDelete', "forget the router's enable_ndp_proxy", (op, s) => s.ndpProxies?.routerDeleted(op)),
  extend('routers', 'enable_ndp_proxy', async (q, _ctx, items, s) => s.ndpProxies?.extendRouters(q, items)),
  filter('routers', 'enable_ndp_proxy', 'routers with NDP proxy enabled (or not)', (q, values, _ctx, s) => s.ndpProxies?.filterRouters(q, values) ?? q),
  veto('ports', 'beforeUpdate', KEEP, (op, s) => s.ndpProxies?.keepInterfaceSubnets(op)),
  veto('ports', 'beforeDelete', KEEP, (op, s) => s.ndpProxies?.keepInterfaceSubnets(op)),
  react('ports', 'beforeDelete', "delete the port's NDP proxies", (op, s) => s.ndpProxies?.deleteForPort(op), [referencedBy('ndp_proxies', 'port_id')]),
];
