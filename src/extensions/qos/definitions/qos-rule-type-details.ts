// qos-rule-type-details: GET /v2.0/qos/rule-types/{type} answers the backend drivers that
// enforce the type and the parameter values they accept (served by routes.ts).
import type { ExtensionDef } from '../../../framework/definitions.ts';

export const qosRuleTypeDetails: ExtensionDef = {
  alias: 'qos-rule-type-details',
  name: 'Details of QoS rule types',
  description: 'Expose details about QoS rule types supported by loaded backend drivers',
  updated: '2017-06-22T10:00:00-00:00',
  requires: ['qos'],
};
