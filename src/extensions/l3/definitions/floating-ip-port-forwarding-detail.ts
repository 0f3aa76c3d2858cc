// The `floating-ip-port-forwarding-detail` API extension.
import type { ExtensionDef } from '../../../framework/definitions.ts';

export const floatingIpPortForwardingDetailExtension: ExtensionDef = {
  // port_forwardings on floating IPs include id and internal_port_id.
  alias: 'floating-ip-port-forwarding-detail',
  name: 'Floating IP port forwarding detail',
  description: "Allow list floating ip return more port forwarding data, include'id' and 'internal_port_id'",
  updated: '2022-05-06T10:00:00-00:00',
  requires: ['floating-ip-port-forwarding'],
};
