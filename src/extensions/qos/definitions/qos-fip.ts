// qos-fip: a QoS policy on a floating IP.
import type { ExtensionDef } from '../../../framework/definitions.ts';

export const qosFip: ExtensionDef = {
  alias: 'qos-fip',
  name: 'Floating IP QoS',
  description: 'The floating IP Quality of Service extension',
  updated: '2017-07-20T00:00:00-00:00',
  requires: ['router', 'qos'],
  extendAttributes: {
    floatingips: { qos_policy_id: { type: 'uuid', allowPost: true, allowPut: true, nullable: true, default: null, enforcePolicy: true } },
  },
};
