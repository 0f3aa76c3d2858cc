// Auto-allocated topology ("get me a network"): GET /v2.0/auto-allocated-topology/{project}
// builds a private network, subnets from the default subnet pools and a router to the
// default external network (the one with is_default). Served by src/api/routes/.
import type { ExtensionDef } from '../../../framework/definitions.ts';

export const autoAllocatedTopologyExtension: ExtensionDef = {
  alias: 'auto-allocated-topology',
  name: 'Auto Allocated Topology Services',
  description: 'Auto Allocated Topology Services.',
  updated: '2016-01-01T00:00:00-00:00',
  requires: ['router', 'external-net'],
  extendAttributes: {
    networks: { is_default: { type: 'boolean', allowPost: true, allowPut: true, default: false, enforcePolicy: true } },
  },
};
