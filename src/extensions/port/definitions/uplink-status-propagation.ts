// The `uplink-status-propagation` API extension.
import type { ExtensionDef } from '../../../framework/definitions.ts';

export const uplinkStatusPropagationExtension: ExtensionDef = {
  alias: 'uplink-status-propagation',
  name: 'Uplink status propagation extension',
  description: 'Provides ability to propagate uplink status of a port',
  updated: '2018-06-11T18:00:00-00:00',
  extendAttributes: { ports: { propagate_uplink_status: { type: 'boolean', allowPost: true, allowPut: true, default: false } } },
};
