// qos-pps: packet rate limit rules (/v2.0/qos/policies/{id}/packet_rate_limit_rules).
import type { ExtensionDef } from '../../../framework/definitions.ts';
import { DIRECTIONS, POLICY_PARENT, rate, RULE_POLICY_ID, RULE_STANDARD } from './constants.ts';

export const qosPps: ExtensionDef = {
  alias: 'qos-pps',
  name: 'QoS Rule Type Packet per Second Extension',
  description: 'Add QoS Rule Type Packet per Second',
  updated: '2021-05-12T10:00:00-00:00',
  requires: ['qos'],
  resources: [
    {
      collection: 'packet_rate_limit_rules',
      member: 'packet_rate_limit_rule',
      table: 'qos_packet_rate_limit_rules',
      parent: { ...POLICY_PARENT },
      standard: RULE_STANDARD,
      attributes: {
        qos_policy_id: RULE_POLICY_ID,
        max_kpps: rate({ required: true }),
        max_burst_kpps: rate({ default: 0 }),
        direction: { type: 'string', allowPost: true, allowPut: true, default: 'egress', enum: DIRECTIONS },
      },
    },
  ],
};
