// The `default-subnetpools` API extension.
import type { ExtensionDef } from '../../../framework/definitions.ts';

export const defaultSubnetpoolsExtension: ExtensionDef = {
  alias: 'default-subnetpools',
  name: 'Default Subnetpools',
  description: 'Provides ability to mark and use a subnetpool as the default.',
  updated: '2016-02-18T18:00:00-00:00',
  requires: ['subnet_allocation'],
  extendAttributes: {
    subnetpools: { is_default: { type: 'boolean', allowPost: true, allowPut: true, default: false, enforcePolicy: true } },
    subnets: { use_default_subnetpool: { type: 'boolean', allowPost: true, default: false, visible: false, storage: 'computed' } },
  },
};
