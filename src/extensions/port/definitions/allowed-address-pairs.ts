// The `allowed-address-pairs` API extension.
import type { ExtensionDef } from '../../../framework/definitions.ts';

export const allowedAddressPairsExtension: ExtensionDef = {
  alias: 'allowed-address-pairs',
  name: 'Allowed Address Pairs',
  description: 'Provides allowed address pairs',
  updated: '2013-07-23T10:00:00-00:00',
  extendAttributes: { ports: { allowed_address_pairs: { type: 'list', allowPost: true, allowPut: true, default: [], enforcePolicy: true, filter: false } } },
};
