// The `port-mac-override` API extension (a shim: no attribute of its own). A direct-physical
// port's MAC is the one of the physical function Nova passes through: Nova puts it in the
// binding profile as `device_mac_address`, and the port's mac_address follows it
// (PortService.macFromProfile).
import type { ExtensionDef } from '../../../framework/definitions.ts';

export const portMacOverrideExtension: ExtensionDef = {
  alias: 'port-mac-override',
  name: 'Neutron Port MAC address override',
  description: 'Allow overriding the MAC address of a direct-physical Port via the active binding profile',
  updated: '2022-03-18T10:00:00-00:00',
  requires: ['binding'],
};
