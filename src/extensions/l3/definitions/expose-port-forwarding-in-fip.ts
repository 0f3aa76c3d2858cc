// The `expose-port-forwarding-in-fip` API extension.
import type { ExtensionDef } from '../../../framework/definitions.ts';

export const exposePortForwardingInFipExtension: ExtensionDef = {
  alias: 'expose-port-forwarding-in-fip',
  name: 'Expose Port Forwarding in FIP',
  description: 'Expose on floating IP GET requests the port forwarding rules',
  updated: '2019-04-12T10:00:00-00:00',
  requires: ['floating-ip-port-forwarding'],
  extendAttributes: { floatingips: { port_forwardings: { type: 'list', storage: 'computed', filter: false } } },
};
