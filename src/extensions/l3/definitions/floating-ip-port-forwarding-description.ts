// The `floating-ip-port-forwarding-description` API extension.
import type { ExtensionDef } from '../../../framework/definitions.ts';

export const floatingIpPortForwardingDescriptionExtension: ExtensionDef = {
  alias: 'floating-ip-port-forwarding-description',
  name: 'Floating IP Port Forwarding new attribute description',
  description: 'Add a description field to Port Forwarding rules',
  updated: '2019-11-01T10:00:00-00:00',
  requires: ['floating-ip-port-forwarding'],
};
