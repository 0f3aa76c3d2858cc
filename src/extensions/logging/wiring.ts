// Network logs' edges in the wiring graph (src/framework/wiring.ts): one line per edge.
//   on                 phase           what                                handler
import { react, referencedBy, type Edge } from '../../framework/wiring.ts';

export const loggingWiring: Edge[] = [
  react('security_groups', 'beforeDelete', "delete the group's logs", (op, s) => s.logs?.deleteFor(op, 'resource_id')),
  react('ports', 'beforeDelete', "delete the port's logs", (op, s) => s.logs?.deleteFor(op, 'target_id'), [referencedBy('logs', 'target_id')]),
];
