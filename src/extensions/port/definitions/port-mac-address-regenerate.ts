// The `port-mac-address-regenerate` API extension.
import type { ExtensionDef } from '../../../framework/definitions.ts';

export const portMacAddressRegenerateExtension: ExtensionDef = {
  alias: 'port-mac-address-regenerate',
  name: 'Neutron Port MAC address regenerate',
  description: 'Network port MAC address regenerate',
  updated: '2018-05-03T10:00:00-00:00',
};
