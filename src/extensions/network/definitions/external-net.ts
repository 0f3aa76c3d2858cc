// The `external-net` API extension.
import type { ExtensionDef } from '../../../framework/definitions.ts';

export const externalNetExtension: ExtensionDef = {
  alias: 'external-net',
  name: 'Neutron external network',
  description: 'Adds external network attribute to network resource.',
  updated: '2013-01-14T10:00:00-00:00',
  extendAttributes: {
    networks: { 'router:external': { type: 'boolean', allowPost: true, allowPut: true, default: false, enforcePolicy: true, column: 'router_external' } },
  },
};
