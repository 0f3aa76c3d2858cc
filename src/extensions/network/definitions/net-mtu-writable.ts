// The `net-mtu-writable` API extension.
import type { ExtensionDef } from '../../../framework/definitions.ts';

export const netMtuWritableExtension: ExtensionDef = {
  alias: 'net-mtu-writable',
  name: 'Network MTU (writable)',
  description: 'Provides a writable MTU attribute for a network resource.',
  updated: '2017-07-12T00:00:00-00:00',
  requires: ['net-mtu'],
  // Makes mtu writable: merged after net-mtu, so these flags win.
  extendAttributes: { networks: { mtu: { type: 'integer', allowPost: true, allowPut: true, min: 68 } } },
};
