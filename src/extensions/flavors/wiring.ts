// The flavors feature's edges in the wiring graph (src/framework/wiring.ts).
import { veto, type Edge } from '../../framework/wiring.ts';

export const flavorWiring: Edge[] = [
  veto('routers', 'beforeCreate', "a router's flavor exists, is an L3 flavor and is enabled (l3-flavors)", (op, s) => s.flavors?.checkRouter(op)),
];
