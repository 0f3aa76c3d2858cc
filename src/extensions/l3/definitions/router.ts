// Routers and floating IPs (Neutron's `router` extension) and the extensions that add
// router or floating IP attributes: gateway SNAT mode, extra routes, HA/DVR flags,
// router availability zones, floating IP pools and port details.
import type { AttributeDef, ExtensionDef } from '../../../framework/definitions.ts';
import { checkCidr, isIp } from '../../../foundation/validation.ts';

/** Neutron's router `max_routes`: more extra routes than this is RoutesExhausted. */
export const MAX_ROUTES = 30;

/** `type:hostroutes`: a list of {destination: cidr, nexthop: ip}, without duplicates. */
export function validateRoutes(routes: unknown[]): string | undefined {
  const seen = new Set<string>();
  for (const r of routes) {
    if (r === null || typeof r !== 'object' || Array.isArray(r)) return `'${JSON.stringify(r)}' is not a dictionary`;
    const { destination, nexthop, ...rest } = r as Record<string, unknown>;
    const extra = Object.keys(rest);
    if (extra.length) return `Unrecognized attribute(s) '${extra.join(', ')}'`;
    const bad = checkCidr(destination);
    if (bad) return bad;
    if (!isIp(nexthop)) return `'${String(nexthop)}' is not a valid IP address`;
    const key = `${destination}|${nexthop}`;
    if (seen.has(key)) return `Duplicate hostroute '${JSON.stringify(r)}'`;
    seen.add(key);
  }
  return undefined;
}

const routesAttr = (allowPost: boolean): AttributeDef => ({
  type: 'list',
  allowPost,
  allowPut: true,
  filter: false,
  validate: validateRoutes,
  // null means no routes (Neutron's convert_none_to_empty_list; the service stores []).
  nullable: true,
});

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

export const l3Extensions: ExtensionDef[] = [
  {
    alias: 'ext-gw-mode',
    name: 'Neutron L3 Configurable external gateway mode',
    description: 'Extension of the router abstraction for specifying whether SNAT should occur on the external gateway',
    updated: '2013-03-28T10:00:00-00:00',
    requires: ['router'],
  },
  {
    alias: 'extraroute',
    name: 'Neutron Extra Route',
    description: 'Extra routes configuration for L3 router',
    updated: '2013-02-01T10:00:00-00:00',
    requires: ['router'],
    extendAttributes: { routers: { routes: routesAttr(false) } },
  },
  {
    alias: 'extraroute-atomic',
    name: 'Atomically add/remove extra routes',
    description: 'Edit extra routes of a router on server side by atomically adding/removing extra routes',
    updated: '2019-07-10T00:00:00-00:00',
    requires: ['extraroute'],
  },
  {
    alias: 'l3-ha',
    name: 'HA Router extension',
    description: 'Adds HA capability to routers.',
    updated: '2014-04-26T00:00:00-00:00',
    requires: ['router'],
    extendAttributes: { routers: { ha: { type: 'boolean', allowPost: true, allowPut: true, default: false, enforcePolicy: true } } },
  },
  {
    alias: 'dvr',
    name: 'Distributed Virtual Router',
    description: 'Enables configuration of Distributed Virtual Routers.',
    updated: '2014-06-1T10:00:00-00:00',
    requires: ['router'],
    extendAttributes: { routers: { distributed: { type: 'boolean', allowPost: true, allowPut: true, default: false, enforcePolicy: true } } },
  },
  {
    alias: 'router_availability_zone',
    name: 'Router Availability Zone',
    description: 'Availability zone support for router.',
    updated: '2015-01-01T10:00:00-00:00',
    requires: ['router', 'availability_zone'],
    extendAttributes: {
      routers: {
        availability_zone_hints: { type: 'list', items: 'string', allowPost: true, default: [], filter: false },
        availability_zones: { type: 'list', storage: 'computed', filter: false },
      },
    },
  },
  {
    alias: 'floatingip-pools',
    name: 'Floating IP Pools Extension',
    description: 'Provides a floating IP pools API.',
    updated: '2018-03-21T10:00:00-00:00',
    requires: ['router'],
  },
  {
    alias: 'fip-port-details',
    name: 'Floating IP Port Details Extension',
    description: 'Add port_details attribute to Floating IP resource',
    updated: '2018-04-09T10:00:00-00:00',
    requires: ['router'],
    extendAttributes: { floatingips: { port_details: { type: 'dict', storage: 'computed', filter: false } } },
  },
];
