// Networks (core) and the extensions that only add network attributes.
import type { AttributeDef, ExtensionDef } from '../../../framework/definitions.ts';

/** provider:* attributes; set on create (admin only), shown to admins. */
const providerAttributes: Record<string, AttributeDef> = {
  'provider:network_type': { type: 'string', allowPost: true, allowPut: true, storage: 'computed', enforcePolicy: true, maxLength: 255 },
  'provider:physical_network': { type: 'string', allowPost: true, allowPut: true, storage: 'computed', enforcePolicy: true, maxLength: 64, nullable: true },
  'provider:segmentation_id': { type: 'integer', allowPost: true, allowPut: true, storage: 'computed', enforcePolicy: true, nullable: true },
};

export const networkCore: ExtensionDef = {
  core: true,
  alias: 'network',
  name: 'Network',
  description: 'Core networks',
  updated: '2012-01-01T10:00:00-00:00',
  resources: [
    {
      collection: 'networks',
      member: 'network',
      table: 'networks',
      quota: 'network',
      allowBulk: true,
      attributes: {
        admin_state_up: { type: 'boolean', allowPost: true, allowPut: true, default: true },
        status: { type: 'string' },
        shared: { type: 'boolean', allowPost: true, allowPut: true, default: false, enforcePolicy: true },
        subnets: { type: 'list', storage: 'computed', filter: false },
      },
    },
  ],
};

export const networkExtensions: ExtensionDef[] = [
  {
    alias: 'external-net',
    name: 'Neutron external network',
    description: 'Adds external network attribute to network resource.',
    updated: '2013-01-14T10:00:00-00:00',
    extendAttributes: {
      networks: { 'router:external': { type: 'boolean', allowPost: true, allowPut: true, default: false, enforcePolicy: true, column: 'router_external' } },
    },
  },
  {
    alias: 'provider',
    name: 'Provider Network',
    description: 'Expose mapping of virtual networks to physical networks',
    updated: '2012-09-07T10:00:00-00:00',
    extendAttributes: { networks: providerAttributes },
  },
  {
    alias: 'multi-provider',
    name: 'Multi Provider Network',
    description: 'Expose mapping of virtual networks to multiple physical networks',
    updated: '2013-06-27T10:00:00-00:00',
    extendAttributes: { networks: { segments: { type: 'list', allowPost: true, allowPut: true, storage: 'computed', enforcePolicy: true, filter: false } } },
  },
  {
    alias: 'net-mtu',
    name: 'Network MTU',
    description: 'Provides MTU attribute for a network resource.',
    updated: '2015-03-25T10:00:00-00:00',
    extendAttributes: { networks: { mtu: { type: 'integer', min: 68 } } },
  },
  {
    alias: 'net-mtu-writable',
    name: 'Network MTU (writable)',
    description: 'Provides a writable MTU attribute for a network resource.',
    updated: '2017-07-12T00:00:00-00:00',
    requires: ['net-mtu'],
    // Makes mtu writable: merged after net-mtu, so these flags win.
    extendAttributes: { networks: { mtu: { type: 'integer', allowPost: true, allowPut: true, min: 68 } } },
  },
  {
    alias: 'port-security',
    name: 'Port Security',
    description: 'Provides port security',
    updated: '2012-07-23T10:00:00-00:00',
    extendAttributes: {
      networks: { port_security_enabled: { type: 'boolean', allowPost: true, allowPut: true, default: true } },
      // A port's default is its network's value (filled by the port service).
      ports: { port_security_enabled: { type: 'boolean', allowPost: true, allowPut: true, enforcePolicy: true } },
    },
  },
  {
    alias: 'dns-integration',
    name: 'DNS Integration',
    description: 'Provides integration with DNS.',
    updated: '2015-08-15T18:00:00-00:00',
    extendAttributes: {
      networks: { dns_domain: { type: 'string', allowPost: true, allowPut: true, default: '', maxLength: 255, validate: (v: string) => (v === '' || /^([a-z0-9-]+\.)*[a-z0-9-]+\.?$/i.test(v) ? undefined : `'${v}' is not a valid domain name`) } },
      ports: {
        dns_name: { type: 'string', allowPost: true, allowPut: true, default: '', maxLength: 255, validate: (v: string) => (v === '' || /^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.?$/i.test(v) ? undefined : `'${v}' is not a valid DNS name`) },
        dns_assignment: { type: 'list', storage: 'computed', filter: false },
      },
    },
  },
  {
    alias: 'network_availability_zone',
    name: 'Network Availability Zone',
    description: 'Availability zone support for network.',
    updated: '2015-01-01T10:00:00-00:00',
    requires: ['availability_zone'],
    extendAttributes: {
      networks: {
        availability_zone_hints: { type: 'list', items: 'string', allowPost: true, default: [], filter: false },
        availability_zones: { type: 'list', storage: 'computed', filter: false },
      },
    },
  },
];
