// qos-default: one policy per project may be its default; networks created without a
// qos_policy_id get it.
import type { ExtensionDef } from '../../../framework/definitions.ts';

export const qosDefault: ExtensionDef = {
  alias: 'qos-default',
  name: 'QoS default policy',
  description: 'Expose the QoS default policy per project',
  updated: '2017-041-06T10:00:00-00:00', // sic: Neutron's own value
  requires: ['qos'],
  extendAttributes: {
    policies: { is_default: { type: 'boolean', allowPost: true, allowPut: true, default: false } },
  },
};
