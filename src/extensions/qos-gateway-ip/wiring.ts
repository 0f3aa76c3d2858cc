// Router gateway QoS's edges in the wiring graph (src/framework/wiring.ts): one line per edge.
//   on        phase           what                                                           handler
import { extend, react, veto, type Edge } from '../../framework/wiring.ts';

const APPLY = 'external_gateway_info.qos_policy_id: a visible policy, null detaches, none without a gateway';

export const qosGatewayWiring: Edge[] = [
  veto('routers', 'afterCreate', APPLY, (op, s) => s.qosGatewayPolicies?.apply(op)),
  veto('routers', 'beforeUpdate', APPLY, (op, s) => s.qosGatewayPolicies?.apply(op)),
  react('routers', 'beforeDelete', "forget the router's gateway policy", (op, s) => s.qosGatewayPolicies?.routerDeleted(op)),
  extend('routers', 'external_gateway_info.qos_policy_id', async (q, _ctx, items, s) => s.qosGatewayPolicies?.extendRouters(q, items)),
  veto('policies', 'beforeDelete', 'a policy a router gateway uses stays (QosPolicyInUse)', (op, s) => s.qosGatewayPolicies?.keepUsedPolicy(op)),
];
