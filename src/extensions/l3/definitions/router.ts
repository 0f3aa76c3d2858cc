// Routers and floating IPs (Neutron's `router` extension).
import type { ExtensionDef } from '../../../framework/definitions.ts';

export const routerExtension: ExtensionDef = {
  alias: 'router',
  name: 'Neutron L3 Router',
  description: 'Router abstraction for basic L3 forwarding between L2 Neutron networks and access to external networks via a NAT gateway.',
  updated: '2012-07-20T10:00:00-00:00',
  resources: [
    {
      collection: 'routers',
      member: 'router',
      table: 'routers',
      quota: 'router',
      allowBulk: true,
      attributes: {
        admin_state_up: { type: 'boolean', allowPost: true, allowPut: true, default: true },
        status: { type: 'string' },
        // {network_id, enable_snat, external_fixed_ips}; validated and stored by the router service.
        // Policy guards its keys too (enable_snat and external_fixed_ips are admin only).
        external_gateway_info: { type: 'dict', allowPost: true, allowPut: true, nullable: true, default: null, storage: 'computed', filter: false, enforcePolicy: true },
        // Internal: the gateway port and its network (external_gateway_info is rendered from them).
        gw_port_id: { type: 'uuid', visible: false },
        gw_network_id: { type: 'uuid', visible: false },
        enable_snat: { type: 'boolean', visible: false },
      },
      actions: {
        add_router_interface: { method: 'PUT', handler: 'addInterface' },
        remove_router_interface: { method: 'PUT', handler: 'removeInterface' },
        // extraroute-atomic
        add_extraroutes: { method: 'PUT', handler: 'addExtraRoutes' },
        remove_extraroutes: { method: 'PUT', handler: 'removeExtraRoutes' },
      },
    },
    {
      collection: 'floatingips',
      member: 'floatingip',
      table: 'floatingips',
      quota: 'floatingip',
      allowBulk: true,
      standard: { name: false },
      attributes: {
        floating_ip_address: { type: 'ip', allowPost: true, nullable: true, default: null, enforcePolicy: true },
        // Input only: the external subnet to allocate from.
        subnet_id: { type: 'uuid', allowPost: true, nullable: true, default: null, visible: false, storage: 'computed' },
        floating_network_id: { type: 'uuid', allowPost: true, required: true },
        router_id: { type: 'uuid', nullable: true },
        port_id: { type: 'uuid', allowPost: true, allowPut: true, nullable: true, default: null, column: 'fixed_port_id' },
        fixed_ip_address: { type: 'ip', allowPost: true, allowPut: true, nullable: true, default: null },
        status: { type: 'string' },
        // Internal: the port on the external network that holds the floating address.
        floating_port_id: { type: 'uuid', visible: false },
      },
    },
  ],
};
