// qos-bw-limit-direction: bandwidth limit rules limit ingress or egress traffic.
import type { ExtensionDef } from '../../../framework/definitions.ts';
import { DIRECTIONS } from './constants.ts';

export const qosBwLimitDirection: ExtensionDef = {
  alias: 'qos-bw-limit-direction',
  name: 'Direction for QoS bandwidth limit rule',
  description: 'Allow to configure QoS bandwidth limit rule with specific direction: ingress or egress',
  updated: '2017-04-10T10:00:00-00:00',
  requires: ['qos'],
  extendAttributes: {
    bandwidth_limit_rules: { direction: { type: 'string', allowPost: true, allowPut: true, default: 'egress', enum: DIRECTIONS } },
  },
};
