// The `fip-port-details` API extension.
import type { ExtensionDef } from '../../../framework/definitions.ts';

export const fipPortDetailsExtension: ExtensionDef = {
  alias: 'fip-port-details',
  name: 'Floating IP Port Details Extension',
  description: 'Add port_details attribute to Floating IP resource',
  updated: '2018-04-09T10:00:00-00:00',
  requires: ['router'],
  extendAttributes: { floatingips: { port_details: { type: 'dict', storage: 'computed', filter: false } } },
};
