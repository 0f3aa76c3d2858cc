// Neutron's `l2_adjacency`: whether every port of a network shares one L2 domain (false
// for a routed network, whose subnets are on different segments).
import type { ExtensionDef } from '../../../framework/definitions.ts';

export const l2AdjacencyExtension: ExtensionDef = {
  alias: 'l2_adjacency',
  name: 'L2 Adjacency',
  description: 'Display L2 Adjacency for Neutron Networks.',
  updated: '2016-04-12T16:00:00-00:00',
  extendAttributes: {
    networks: { l2_adjacency: { type: 'boolean', storage: 'computed', filter: false, sort: false } },
  },
};
