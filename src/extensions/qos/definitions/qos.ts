// qos: QoS policies (/v2.0/qos/policies, shareable through RBAC as object type
// `qos_policy`), their bandwidth limit, DSCP marking and minimum bandwidth rules as
// sub-resources, the rule types (/v2.0/qos/rule-types, served by routes) and
// `qos_policy_id` on ports and networks (neutron-lib api/definitions/qos.py).
import type { ExtensionDef } from '../../../framework/definitions.ts';
import { POLICY_PARENT, rate, RULE_POLICY_ID, RULE_STANDARD, VALID_DSCP_MARKS } from './constants.ts';

const qosPolicyId = { type: 'uuid', allowPost: true, allowPut: true, nullable: true, default: null, enforcePolicy: true } as const;

export const qos: ExtensionDef = {
  alias: 'qos',
  name: 'Quality of Service',
  description: 'The Quality of Service extension.',
  updated: '2015-06-08T10:00:00-00:00',
  resources: [
    {
      collection: 'policies',
      path: 'qos/policies',
      member: 'policy',
      table: 'qos_policies',
      allowBulk: true,
      attributes: {
        shared: { type: 'boolean', allowPost: true, allowPut: true, default: false },
        rules: { type: 'list', storage: 'computed', filter: false, sort: false },
      },
    },
    {
      collection: 'bandwidth_limit_rules',
      member: 'bandwidth_limit_rule',
      table: 'qos_bandwidth_limit_rules',
      parent: { ...POLICY_PARENT },
      standard: RULE_STANDARD,
      attributes: {
        qos_policy_id: RULE_POLICY_ID,
        max_kbps: rate({ required: true }),
        max_burst_kbps: rate({ default: 0 }),
      },
    },
    {
      collection: 'dscp_marking_rules',
      member: 'dscp_marking_rule',
      table: 'qos_dscp_marking_rules',
      parent: { ...POLICY_PARENT },
      standard: RULE_STANDARD,
      attributes: {
        qos_policy_id: RULE_POLICY_ID,
        dscp_mark: { type: 'integer', allowPost: true, allowPut: true, required: true, enum: VALID_DSCP_MARKS },
      },
    },
    {
      collection: 'minimum_bandwidth_rules',
      member: 'minimum_bandwidth_rule',
      table: 'qos_minimum_bandwidth_rules',
      parent: { ...POLICY_PARENT },
      standard: RULE_STANDARD,
      attributes: {
        qos_policy_id: RULE_POLICY_ID,
        min_kbps: rate({ required: true }),
        // Egress only here; qos-bw-minimum-ingress adds ingress.
        direction: { type: 'string', allowPost: true, allowPut: true, default: 'egress', enum: ['egress'] },
      },
    },
  ],
  extendAttributes: {
    ports: { qos_policy_id: qosPolicyId },
    networks: { qos_policy_id: qosPolicyId },
  },
};
