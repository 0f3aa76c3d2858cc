// QoS's edges in the wiring graph (src/framework/wiring.ts): `qos_policy_id` of networks,
// ports and floating IPs, and what ports show of their QoS.
//   on             phase           what                                                            handler
import { extend, veto, type Edge } from '../../framework/wiring.ts';

const POLICY = "the policy is visible to the caller and enforceable (networks: the project's default)";
const CHANGE = 'a changed policy: the old one still accessible, the new one visible and enforceable';

export const qosWiring: Edge[] = [
  veto('networks', 'beforeCreate', POLICY, (op, s) => s.qosBindings?.resolve(op)),
  veto('networks', 'beforeUpdate', CHANGE, (op, s) => s.qosBindings?.resolve(op)),
  veto('ports', 'beforeCreate', POLICY, (op, s) => s.qosBindings?.resolve(op)),
  veto('ports', 'beforeUpdate', CHANGE, (op, s) => s.qosBindings?.resolve(op)),
  veto('floatingips', 'beforeCreate', POLICY, (op, s) => s.qosBindings?.resolve(op)),
  veto('floatingips', 'beforeUpdate', CHANGE, (op, s) => s.qosBindings?.resolve(op)),
  extend('ports', 'qos_network_policy_id, resource_request', async (q, _ctx, items, s, options) => s.qosBindings?.extendPorts(q, items, options.parents)),
];
