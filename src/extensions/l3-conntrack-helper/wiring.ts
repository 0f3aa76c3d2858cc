// Conntrack helpers' edges in the wiring graph (src/framework/wiring.ts): one line per edge.
//   on         phase           what                                 handler
import { extend, react, type Edge } from '../../framework/wiring.ts';

export const conntrackHelperWiring: Edge[] = [
  react('routers', 'beforeDelete', "delete the router's conntrack helpers", (op, s) => s.conntrackHelpers?.deleteForRouter(op)),
  extend('routers', 'conntrack_helpers (expose-l3-conntrack-helper)', async (q, _ctx, items, s) => s.conntrackHelpers?.extendRouters(q, items)),
];
