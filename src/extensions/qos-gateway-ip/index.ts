// Router gateway IP QoS (Neutron's qos-gateway-ip): external_gateway_info.qos_policy_id.
import { defineFeature } from '../../framework/feature.ts';
import { qosGatewayIp } from './definitions/qos-gateway-ip.ts';
import * as m0094 from './migrations/0094_qos_router_gateway.ts';
import { GatewayPolicies } from './gateway-policies.ts';
import { qosGatewayWiring } from './wiring.ts';

export default defineFeature({
  name: 'qos-gateway-ip',
  after: ['l3', 'qos'],
  extensions: [qosGatewayIp],
  migrations: { '0094_qos_router_gateway': m0094 },
  services: (deps) => ({ qosGatewayPolicies: new GatewayPolicies(deps) }),
  wiring: qosGatewayWiring,
});
