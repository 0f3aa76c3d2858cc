// Quality of Service: policies (shared through RBAC, one default per project), their rules
// (bandwidth limit, DSCP marking, minimum bandwidth, packet rate limit, minimum packet rate)
// as sub-resources and through the alias API, the rule types the backend enforces, and
// `qos_policy_id` on networks, ports and floating IPs with the resource requests of ports.
import { defineFeature } from '../../framework/feature.ts';
import { portResourceRequestGroups } from './definitions/port-resource-request-groups.ts';
import { portResourceRequest } from './definitions/port-resource-request.ts';
import { qos } from './definitions/qos.ts';
import { qosBwLimitDirection } from './definitions/qos-bw-limit-direction.ts';
import { qosBwMinimumIngress } from './definitions/qos-bw-minimum-ingress.ts';
import { qosDefault } from './definitions/qos-default.ts';
import { qosFip } from './definitions/qos-fip.ts';
import { qosPortNetworkPolicy } from './definitions/qos-port-network-policy.ts';
import { qosPps } from './definitions/qos-pps.ts';
import { qosPpsMinimum } from './definitions/qos-pps-minimum.ts';
import { qosPpsMinimumRuleAlias } from './definitions/qos-pps-minimum-rule-alias.ts';
import { qosRuleTypeDetails } from './definitions/qos-rule-type-details.ts';
import { qosRuleTypeFilter } from './definitions/qos-rule-type-filter.ts';
import { qosRulesAlias } from './definitions/qos-rules-alias.ts';
import * as m0070 from './migrations/0070_qos.ts';
import * as m0102 from './migrations/0102_qos_policy_partial_indexes.ts';
import { qosRules } from './policy.ts';
import { QosPolicyService } from './policy-service.ts';
import { QosRuleService } from './rule-service.ts';
import { QosBindings } from './bindings.ts';
import { qosRoutes } from './routes.ts';
import { qosWiring } from './wiring.ts';
import { servedKinds } from './rule-types.ts';

export default defineFeature({
  name: 'qos',
  after: ['network', 'port', 'rbac', 'l3'],
  extensions: [
    qos,
    qosBwLimitDirection,
    qosBwMinimumIngress,
    qosDefault,
    qosPps,
    qosPpsMinimum,
    qosRuleTypeDetails,
    qosRuleTypeFilter,
    qosRulesAlias,
    qosPpsMinimumRuleAlias,
    qosPortNetworkPolicy,
    qosFip,
    portResourceRequest,
    portResourceRequestGroups,
  ],
  migrations: { '0070_qos': m0070, '0102_qos_policy_partial_indexes': m0102 },
  policy: qosRules,
  services: (deps) => ({
    qosPolicies: new QosPolicyService(deps),
    qosRuleServices: servedKinds(deps.registry).map((kind) => new QosRuleService(deps, kind)),
    qosBindings: new QosBindings(deps),
  }),
  wiring: qosWiring,
  routes: [qosRoutes],
});
