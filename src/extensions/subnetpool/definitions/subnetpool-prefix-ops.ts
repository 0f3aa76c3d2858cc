// The `subnetpool-prefix-ops` API extension.
import type { ExtensionDef } from '../../../framework/definitions.ts';

export const subnetpoolPrefixOpsExtension: ExtensionDef = {
  alias: 'subnetpool-prefix-ops',
  name: 'Subnet Pool Prefix Operations',
  description: 'Provides support for adjusting the prefix list of subnet pools',
  updated: '2019-02-19T10:00:00-00:00',
  requires: ['subnet_allocation'],
};
