// The segment feature's edges in the wiring graph (src/framework/wiring.ts).
//   on        phase           what                                                          handler
import { extend, react, veto, type Edge } from '../../framework/wiring.ts';

export const segmentWiring: Edge[] = [
  veto('subnets', 'beforeCreate', 'all or none of a network’s subnets on segments', (op, s) => s.segments?.checkNewSubnet(op)),
  veto('subnets', 'beforeUpdate', 'a subnet’s segment is set once, none → a segment', (op, s) => s.segments?.checkSubnetSegmentChange(op)),
  react('subnets', 'afterCreate', 'host routes to peer subnets on other segments', (op, s) => s.segments?.peerRoutesFor(op)),
  react('subnets', 'afterUpdate', 'host routes to peer subnets on other segments', (op, s) => s.segments?.peerRoutesFor(op)),
  react('subnets', 'beforeDelete', 'drop host routes to the subnet from its peers', (op, s) => s.segments?.peerRoutesFor(op)),
  react('networks', 'beforeDelete', "forget the tags of the network's segments", (op, s) => s.segments?.forgetNetworkTags(op)),
  extend('networks', 'l2_adjacency (false for routed networks)', async (q, _ctx, items, s, options) => {
    if (s.segments && 'l2_adjacency' in s.segments.app.registry.resource('networks').attributes) await s.segments.extendNetworks(q, items, options.created);
  }),
];
