// The `ext-gw-mode` API extension.
import type { ExtensionDef } from '../../../framework/definitions.ts';

export const extGwModeExtension: ExtensionDef = {
  alias: 'ext-gw-mode',
  name: 'Neutron L3 Configurable external gateway mode',
  description: 'Extension of the router abstraction for specifying whether SNAT should occur on the external gateway',
  updated: '2013-03-28T10:00:00-00:00',
  requires: ['router'],
};
