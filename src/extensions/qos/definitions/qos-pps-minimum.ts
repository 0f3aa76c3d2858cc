// qos-pps-minimum: minimum packet rate rules; direction `any` guarantees a rate for both
// directions together (and may not be mixed with directed ones in one policy).
import type { ExtensionDef } from '../../../framework/definitions.ts';
import { DIRECTIONS_AND_ANY, POLICY_PARENT, rate, RULE_POLICY_ID, RULE_STANDARD } from './constants.ts';

export const qosPpsMinimum: ExtensionDef = {
  alias: 'qos-pps-minimum',
  name: 'QoS minimum packet rate rule',
  description: 'Allow to configure QoS minimum packet rate rule.',
  updated: '2021-07-14T10:00:00-00:00',
  requires: ['qos'],
  resources: [
    {
      collection: 'minimum_packet_rate_rules',
      member: 'minimum_packet_rate_rule',
      table: 'qos_minimum_packet_rate_rules',
      parent: { ...POLICY_PARENT },
      standard: RULE_STANDARD,
      attributes: {
        qos_policy_id: RULE_POLICY_ID,
        min_kpps: rate({ required: true }),
        direction: { type: 'string', allowPost: true, allowPut: true, default: 'egress', enum: DIRECTIONS_AND_ANY },
      },
    },
  ],
};
