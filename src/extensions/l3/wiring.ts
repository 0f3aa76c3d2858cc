// L3's edges in the wiring graph (src/framework/wiring.ts): one line per edge.
//   on            phase           what                                                      handler
import { extend, react, referencedBy, veto, type Edge } from '../../framework/wiring.ts';

export const l3Wiring: Edge[] = [
  veto('networks', 'beforeCreate', 'one default external network (is_default)', (op, s) => s.autoAllocator.checkOneDefault(op)),
  veto('networks', 'beforeUpdate', 'a network with router gateways stays external', (op, s) => s.routers.keepGatewayNetworksExternal(op)),
  veto('networks', 'beforeUpdate', 'one default external network (is_default)', (op, s) => s.autoAllocator.checkOneDefault(op)),
  react('networks', 'beforeDelete', "delete the network's unassociated floating IPs", (op, s) => s.floatingips.deleteUnassociatedOn(op), [referencedBy('floatingips', 'floating_network_id')]),
  react('networks', 'beforeDelete', 'forget auto-allocated topologies on the network', (op, s) => s.autoAllocator.forgetNetwork(op), [referencedBy('auto_allocated_topologies', 'network_id')]),
  extend('networks', 'ipv4_address_scope, ipv6_address_scope', (q, _ctx, items, s, options) => s.addressScopes.extendNetworks(q, items, options.created)),
  veto('ports', 'beforeDelete', 'router and floating IP ports are deleted by L3 only (L3PortInUse)', (op, s) => s.routers.ports.refuseDeletingInUse(op)),
  react('ports', 'beforeDelete', "disassociate the port's floating IPs", (op, s) => s.floatingips.disassociatePort(op), [referencedBy('floatingips', 'fixed_port_id')]),
  react('ports', 'beforeDelete', "delete the port's port forwardings", (op, s) => s.portForwardings.deleteForPort(op), [referencedBy('port_forwardings', 'internal_port_id')]),
  veto('rbac_policies', 'beforeUpdate', "the default external network's * access_as_external policy stays", (op, s) => s.autoAllocator.keepDefaultExternal(op)),
  veto('rbac_policies', 'beforeDelete', "the default external network's * access_as_external policy stays", (op, s) => s.autoAllocator.keepDefaultExternal(op)),
  veto('subnetpools', 'beforeCreate', 'a pool in an address scope fits it (owner, IP version, no overlap)', (op, s) => s.addressScopes.checkPool(op)),
  veto('subnetpools', 'beforeUpdate', "a pool in another project's scope keeps its prefixes (IllegalSubnetPoolUpdate)", (op, s) => s.addressScopes.checkPoolUpdateAllowed(op)),
  veto('subnetpools', 'beforeUpdate', 'a pool in an address scope fits it (owner, IP version, no overlap)', (op, s) => s.addressScopes.checkPool(op)),
  veto('rbac_policies', 'beforeCreate', "a pool is shared only with projects that may use its scope", (op, s) => s.addressScopes.checkPoolSharing(op)),
  veto('rbac_policies', 'beforeUpdate', "a pool is shared only with projects that may use its scope", (op, s) => s.addressScopes.checkPoolSharing(op)),
];
