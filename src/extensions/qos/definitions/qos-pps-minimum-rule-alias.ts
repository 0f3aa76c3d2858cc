// qos-pps-minimum-rule-alias: /v2.0/qos/alias-minimum-packet-rate-rules/{id} (routes.ts).
import type { ExtensionDef } from '../../../framework/definitions.ts';

export const qosPpsMinimumRuleAlias: ExtensionDef = {
  alias: 'qos-pps-minimum-rule-alias',
  name: 'QoS minimum packet rate rule alias',
  description: 'API to enable GET, PUT and DELETE operations on QoS minimum packet rate rule without specifying policy ID',
  updated: '2021-10-22T10:00:00-00:00',
  requires: ['qos', 'qos-pps-minimum'],
};
