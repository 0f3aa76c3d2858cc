// The `multi-provider` API extension.
import type { ExtensionDef } from '../../../framework/definitions.ts';

export const multiProviderExtension: ExtensionDef = {
  alias: 'multi-provider',
  name: 'Multi Provider Network',
  description: 'Expose mapping of virtual networks to multiple physical networks',
  updated: '2013-06-27T10:00:00-00:00',
  extendAttributes: { networks: { segments: { type: 'list', allowPost: true, allowPut: true, storage: 'computed', enforcePolicy: true, filter: false } } },
};
