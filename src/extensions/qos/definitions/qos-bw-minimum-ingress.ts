// qos-bw-minimum-ingress: minimum bandwidth rules may guarantee ingress bandwidth too.
import type { ExtensionDef } from '../../../framework/definitions.ts';
import { DIRECTIONS } from './constants.ts';

export const qosBwMinimumIngress: ExtensionDef = {
  alias: 'qos-bw-minimum-ingress',
  name: 'Ingress direction for QoS minimum bandwidth rule',
  description: 'Allow to configure QoS minumum bandwidth rule with ingress direction.',
  updated: '2018-07-09T10:00:00-00:00',
  requires: ['qos'],
  extendAttributes: {
    minimum_bandwidth_rules: { direction: { type: 'string', allowPost: true, allowPut: true, default: 'egress', enum: DIRECTIONS } },
  },
};
