// Neutron's `l3-conntrack-helper`: /routers/{router_id}/conntrack_helpers, a router
// sub-resource asking the router to run a netfilter conntrack helper (`ftp`, `sip`, ...)
// for traffic of one protocol to one port. Unique per router on all four values.
import type { ExtensionDef } from '../../../framework/definitions.ts';
import { PROTOCOLS } from '../protocols.ts';

export const l3ConntrackHelper: ExtensionDef = {
  alias: 'l3-conntrack-helper',
  name: 'L3 Conntrack helper',
  description: 'Allow adding CT target rules for conntrack helper',
  updated: '2019-04-04T10:00:00-00:00',
  requires: ['router'],
  resources: [
    {
      collection: 'conntrack_helpers',
      member: 'conntrack_helper',
      table: 'conntrack_helpers',
      parent: { collection: 'routers', member: 'router', column: 'router_id' },
      standard: { name: false, description: false, tags: false, timestamps: false, revision: false },
      allowBulk: false,
      attributes: {
        // The router's project: kept for policy and list scoping, not shown (as Neutron).
        project_id: { type: 'string', allowPost: true, maxLength: 255, visible: false },
        tenant_id: { type: 'string', allowPost: true, maxLength: 255, column: 'project_id', visible: false },
        router_id: { type: 'uuid', allowPost: true, visible: false },
        protocol: { type: 'string', allowPost: true, allowPut: true, required: true, enum: PROTOCOLS },
        port: { type: 'integer', allowPost: true, allowPut: true, required: true, min: 1, max: 65535 },
        helper: { type: 'string', allowPost: true, allowPut: true, required: true, maxLength: 64 },
      },
    },
  ],
};
