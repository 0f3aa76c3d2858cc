// The `net-mtu` API extension.
import type { ExtensionDef } from '../../../framework/definitions.ts';

export const netMtuExtension: ExtensionDef = {
  alias: 'net-mtu',
  name: 'Network MTU',
  description: 'Provides MTU attribute for a network resource.',
  updated: '2015-03-25T10:00:00-00:00',
  extendAttributes: { networks: { mtu: { type: 'integer', min: 68 } } },
};
