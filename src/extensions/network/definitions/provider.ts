// The `provider` API extension.
import type { AttributeDef, ExtensionDef } from '../../../framework/definitions.ts';

/** provider:* attributes; set on create (admin only), shown to admins. */
const providerAttributes: Record<string, AttributeDef> = {
  'provider:network_type': { type: 'string', allowPost: true, allowPut: true, storage: 'computed', enforcePolicy: true, maxLength: 255 },
  'provider:physical_network': { type: 'string', allowPost: true, allowPut: true, storage: 'computed', enforcePolicy: true, maxLength: 64, nullable: true },
  'provider:segmentation_id': { type: 'integer', allowPost: true, allowPut: true, storage: 'computed', enforcePolicy: true, nullable: true },
};

export const providerExtension: ExtensionDef = {
  alias: 'provider',
  name: 'Provider Network',
  description: 'Expose mapping of virtual networks to physical networks',
  updated: '2012-09-07T10:00:00-00:00',
  extendAttributes: { networks: providerAttributes },
};
