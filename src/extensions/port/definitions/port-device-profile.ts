// The `port-device-profile` API extension: the Cyborg device profile a port's accelerator
// comes from, set once on create (neutron-lib port_device_profile).
import type { ExtensionDef } from '../../../framework/definitions.ts';

export const portDeviceProfileExtension: ExtensionDef = {
  alias: 'port-device-profile',
  name: 'Port device profile',
  description: 'Expose the port device profile (Cyborg)',
  updated: '2020-12-17T10:00:00-00:00',
  extendAttributes: { ports: { device_profile: { type: 'string', allowPost: true, allowPut: false, nullable: true, default: null, maxLength: 255 } } },
};
