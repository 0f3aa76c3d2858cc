// port-resource-request: ports show `resource_request`, what Nova must ask Placement for
// the port's minimum bandwidth and minimum packet rate rules (admin only by policy).
import type { ExtensionDef } from '../../../framework/definitions.ts';

export const portResourceRequest: ExtensionDef = {
  alias: 'port-resource-request',
  name: 'Port Resource Request',
  description: 'Expose resource request to Port',
  updated: '2018-05-08T10:00:00-00:00',
  extendAttributes: {
    ports: { resource_request: { type: 'dict', storage: 'computed', filter: false, sort: false } },
  },
};
