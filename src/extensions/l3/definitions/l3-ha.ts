// The `l3-ha` API extension.
import type { ExtensionDef } from '../../../framework/definitions.ts';

export const l3HaExtension: ExtensionDef = {
  alias: 'l3-ha',
  name: 'HA Router extension',
  description: 'Adds HA capability to routers.',
  updated: '2014-04-26T00:00:00-00:00',
  requires: ['router'],
  extendAttributes: { routers: { ha: { type: 'boolean', allowPost: true, allowPut: true, default: false, enforcePolicy: true } } },
};
