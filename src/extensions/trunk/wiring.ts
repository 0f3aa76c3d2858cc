// The trunk feature's edges in the wiring graph (src/framework/wiring.ts).
//   on       phase           what                                                handler
import { extend, referencedBy, veto, type Edge } from '../../framework/wiring.ts';

export const trunkWiring: Edge[] = [
  veto('ports', 'beforeDelete', 'a trunk parent or subport is not deleted directly', (op, s) => s.trunks?.refusePortDelete(op), [referencedBy('trunks', 'port_id'), referencedBy('trunk_subports', 'port_id')]),
  extend('ports', 'trunk_details of parent ports (trunk-details)', async (q, _ctx, items, s, options) => {
    // A port just created is no trunk's parent yet.
    if (s.trunks && !options.created && 'trunk_details' in s.trunks.app.registry.resource('ports').attributes) await s.trunks.extendPorts(q, items);
  }),
];
