// Neutron's `qos-gateway-ip`: a QoS policy for a router's gateway IPs, given and shown as
// `qos_policy_id` inside the router's `external_gateway_info` (a key added to the L3
// feature's dict through ExtensionDef.extendKeys).
import type { ExtensionDef } from '../../../framework/definitions.ts';

export const qosGatewayIp: ExtensionDef = {
  alias: 'qos-gateway-ip',
  name: 'Router gateway IP QoS',
  description: 'The Router gateway IP Quality of Service extension',
  updated: '2018-02-24T00:00:00-00:00',
  requires: ['qos', 'router'],
  extendKeys: { routers: { external_gateway_info: { qos_policy_id: { type: 'uuid', nullable: true } } } },
};
