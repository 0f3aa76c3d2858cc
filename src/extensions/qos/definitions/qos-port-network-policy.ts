// qos-port-network-policy: ports show their network's QoS policy (read only).
import type { ExtensionDef } from '../../../framework/definitions.ts';

export const qosPortNetworkPolicy: ExtensionDef = {
  alias: 'qos-port-network-policy',
  name: 'QoS port network policy ID',
  description: 'Adds a the QoS network ID to the port definition',
  updated: '2019-11-01T10:00:00-00:00',
  requires: ['qos'],
  extendAttributes: {
    ports: { qos_network_policy_id: { type: 'uuid', storage: 'computed', filter: false, sort: false } },
  },
};
