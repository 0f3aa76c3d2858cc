// The `floatingip-pools` API extension.
import type { ExtensionDef } from '../../../framework/definitions.ts';

export const floatingipPoolsExtension: ExtensionDef = {
  alias: 'floatingip-pools',
  name: 'Floating IP Pools Extension',
  description: 'Provides a floating IP pools API.',
  updated: '2018-03-21T10:00:00-00:00',
  requires: ['router'],
};
