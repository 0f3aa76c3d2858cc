// The L3 behaviour aliases' edges in the wiring graph (src/framework/wiring.ts).
//   on        phase           what                                                                    handler
import { veto, type Edge } from '../../framework/wiring.ts';
import { checkRouterDown, checkRouterPortIps } from './guards.ts';

export const l3GuardWiring: Edge[] = [
  veto('routers', 'beforeUpdate', 'distributed/ha change only on a router that is down', async (op) => checkRouterDown(op)),
  veto('ports', 'beforeUpdate', "a router interface port's IPv4 addresses stay (IPAddressChangeNotAllowed)", (op, s) => checkRouterPortIps(op, s)),
];
