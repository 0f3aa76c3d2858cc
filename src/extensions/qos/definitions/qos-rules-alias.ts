// qos-rules-alias: show, update and delete a bandwidth limit, DSCP marking or minimum
// bandwidth rule by its id alone (/v2.0/qos/alias-bandwidth-limit-rules/{id}, ...; served by
// routes.ts with the same behaviour as the policy's sub-resource).
import type { ExtensionDef } from '../../../framework/definitions.ts';

export const qosRulesAlias: ExtensionDef = {
  alias: 'qos-rules-alias',
  name: 'Quality of Service rules alias API',
  description: 'API to enable GET, PUT and DELETE operations on QoS policy rules without specifying policy ID',
  updated: '2018-10-07T10:00:00-00:00',
  requires: ['qos', 'qos-bw-limit-direction'],
};
