// qos-rule-type-filter: `all_rules` (every type Neutrino implements) and `all_supported`
// (every type some driver enforces) on GET /v2.0/qos/rule-types (served by routes.ts).
import type { ExtensionDef } from '../../../framework/definitions.ts';

export const qosRuleTypeFilter: ExtensionDef = {
  alias: 'qos-rule-type-filter',
  name: 'Allow to filter the list of QoS rule types',
  description:
    'Allows to filter the QoS rule type list adding two new flags. "all_rules" prints all implemented QoS rule types."all_supported" prints all supported QoS rule types by the loaded mechanism drivers',
  updated: '2022-02-02T10:00:00-00:00',
  requires: ['qos'],
};
