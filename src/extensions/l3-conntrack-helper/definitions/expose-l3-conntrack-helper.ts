// Neutron's `expose-l3-conntrack-helper`: routers show their helpers as `conntrack_helpers`
// ([{protocol, port, helper}], read only).
import type { ExtensionDef } from '../../../framework/definitions.ts';

export const exposeL3ConntrackHelper: ExtensionDef = {
  alias: 'expose-l3-conntrack-helper',
  name: 'Expose CT target rules for conntrack helper',
  description: 'Expose allow adding CT target rules for conntrack helper',
  updated: '2019-04-04T10:00:00-00:00',
  requires: ['router', 'l3-conntrack-helper'],
  extendAttributes: {
    routers: { conntrack_helpers: { type: 'list', storage: 'computed', filter: false, sort: false } },
  },
};
