// Floating IP port forwarding: /floatingips/{id}/port_forwardings, a sub-resource that
// maps (protocol, external port) of a floating IP to (internal IP, port) of a Neutron port.
import type { ExtensionDef } from '../../../framework/definitions.ts';

const PORT_FORWARDING_PROTOCOLS = ['tcp', 'udp'] as const;

const tcpUdpPort = { type: 'integer', allowPost: true, allowPut: true, min: 1, max: 65535 } as const;

export const floatingIpPortForwardingExtension: ExtensionDef = {
  alias: 'floating-ip-port-forwarding',
  name: 'Floating IP Port Forwarding',
  description: 'Allow port forwarding from floating IP port to an internal port',
  updated: '2018-01-19T10:00:00-00:00',
  requires: ['router'],
  resources: [
    {
      collection: 'port_forwardings',
      member: 'port_forwarding',
      table: 'port_forwardings',
      parent: { collection: 'floatingips', member: 'floatingip', column: 'floatingip_id' },
      standard: { name: false, tags: false, timestamps: false, revision: false },
      allowBulk: false,
      attributes: {
        // Neutron keeps the owner for policy checks but does not show it.
        project_id: { type: 'string', allowPost: true, maxLength: 255, visible: false },
        tenant_id: { type: 'string', allowPost: true, maxLength: 255, column: 'project_id', visible: false },
        floatingip_id: { type: 'uuid', allowPost: true, visible: false },
        external_port: { ...tcpUdpPort, required: true },
        internal_port: { ...tcpUdpPort, required: true },
        internal_ip_address: { type: 'ip', allowPost: true, allowPut: true, nullable: true, default: null },
        protocol: { type: 'string', allowPost: true, allowPut: true, required: true, enum: PORT_FORWARDING_PROTOCOLS },
        internal_port_id: { type: 'uuid', allowPost: true, allowPut: true, required: true },
      },
    },
  ],
};
