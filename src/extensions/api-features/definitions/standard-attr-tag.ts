// The `standard-attr-tag` API extension: a flag for behaviour of the generic API layer (src/api/,
// src/framework/) for every resource.
import type { ExtensionDef } from '../../../framework/definitions.ts';

export const standardAttrTagExtension: ExtensionDef = {
  alias: 'standard-attr-tag',
  name: 'Tag support for resources with standard attribute: subnet, trunk, network_segment_range, router, network, policy, subnetpool, port, security_group, floatingip',
  description: 'Enables to set tag on resources with standard attribute.',
  updated: '2017-01-01T00:00:00-00:00',
};
