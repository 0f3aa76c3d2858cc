// Ports (core) and the extensions that add port attributes. `security_groups` is added by
// the security group definitions, not here.
import type { AttributeDef, ExtensionDef } from '../../../framework/definitions.ts';

const VNIC_TYPES = [
  'normal',
  'direct',
  'macvtap',
  'baremetal',
  'direct-physical',
  'virtio-forwarder',
  'smart-nic',
  'vdpa',
  'remote-managed',
  'accelerator-direct',
  'accelerator-direct-physical',
] as const;

export const portCore: ExtensionDef = {
  core: true,
  alias: 'port',
  name: 'Port',
  description: 'Core ports',
  updated: '2012-01-01T10:00:00-00:00',
  resources: [
    {
      collection: 'ports',
      member: 'port',
      table: 'ports',
      quota: 'port',
      allowBulk: true,
      attributes: {
        network_id: { type: 'uuid', allowPost: true, required: true },
        admin_state_up: { type: 'boolean', allowPost: true, allowPut: true, default: true },
        // null (or absent) generates one; on update null regenerates (port-mac-address-regenerate).
        mac_address: { type: 'mac', allowPost: true, allowPut: true, nullable: true, enforcePolicy: true, convert: (v: string) => v.toLowerCase().replace(/-/g, ':') },
        // Stored denormalized in ports.fixed_ips; ipallocations is the truth for uniqueness.
        fixed_ips: { type: 'list', allowPost: true, allowPut: true, enforcePolicy: true, filter: false },
        device_id: { type: 'string', allowPost: true, allowPut: true, default: '', maxLength: 255 },
        device_owner: { type: 'string', allowPost: true, allowPut: true, default: '', maxLength: 255, enforcePolicy: true },
        status: { type: 'string' },
      },
    },
  ],
};

const bindingAttributes: Record<string, AttributeDef> = {
  'binding:host_id': { type: 'string', allowPost: true, allowPut: true, default: '', maxLength: 255, enforcePolicy: true },
  'binding:vnic_type': { type: 'string', allowPost: true, allowPut: true, default: 'normal', enum: VNIC_TYPES, enforcePolicy: true },
  'binding:profile': { type: 'dict', allowPost: true, allowPut: true, default: {}, enforcePolicy: true, filter: false },
  'binding:vif_type': { type: 'string', enforcePolicy: true },
  'binding:vif_details': { type: 'dict', enforcePolicy: true, filter: false },
};

export const portExtensions: ExtensionDef[] = [
  {
    alias: 'binding',
    name: 'Port Binding',
    description: 'Expose port bindings of a virtual port to external application',
    updated: '2014-02-03T10:00:00-00:00',
    extendAttributes: { ports: bindingAttributes },
  },
  {
    alias: 'allowed-address-pairs',
    name: 'Allowed Address Pairs',
    description: 'Provides allowed address pairs',
    updated: '2013-07-23T10:00:00-00:00',
    extendAttributes: { ports: { allowed_address_pairs: { type: 'list', allowPost: true, allowPut: true, default: [], enforcePolicy: true, filter: false } } },
  },
  {
    alias: 'extra_dhcp_opt',
    name: 'Neutron Extra DHCP options',
    description: 'Extra options configuration for DHCP. For example PXE boot options to DHCP clients can be specified (e.g. tftp-server, server-ip-address, bootfile-name)',
    updated: '2013-03-17T12:00:00-00:00',
    extendAttributes: { ports: { extra_dhcp_opts: { type: 'list', allowPost: true, allowPut: true, default: [], filter: false } } },
  },
  {
    alias: 'port-mac-address-regenerate',
    name: 'Neutron Port MAC address regenerate',
    description: 'Network port MAC address regenerate',
    updated: '2018-05-03T10:00:00-00:00',
  },
  {
    alias: 'ip-substring-filtering',
    name: 'IP address substring filtering',
    description: 'Provides IP address substring filtering when listing ports',
    updated: '2017-11-28T09:00:00-00:00',
  },
  {
    alias: 'ip_allocation',
    name: 'IP Allocation',
    description: 'IP allocation extension.',
    updated: '2016-06-10T23:00:00-00:00',
    extendAttributes: { ports: { ip_allocation: { type: 'string' } } },
  },
  {
    alias: 'uplink-status-propagation',
    name: 'Uplink status propagation extension',
    description: 'Provides ability to propagate uplink status of a port',
    updated: '2018-06-11T18:00:00-00:00',
    extendAttributes: { ports: { propagate_uplink_status: { type: 'boolean', allowPost: true, allowPut: true, default: false } } },
  },
  {
    alias: 'data-plane-status',
    name: 'Port data plane status extension',
    description: 'Data plane status extension for ports',
    updated: '2017-04-10T10:00:00-00:00',
    extendAttributes: {
      ports: { data_plane_status: { type: 'string', allowPut: true, nullable: true, enum: ['ACTIVE', 'DOWN'], enforcePolicy: true } },
    },
  },
];
