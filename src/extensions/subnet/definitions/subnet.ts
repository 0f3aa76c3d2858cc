// Subnets (core resource).
import type { ExtensionDef } from '../../../framework/definitions.ts';

const IPV6_MODES = ['slaac', 'dhcpv6-stateful', 'dhcpv6-stateless'] as const;

export const subnetExtension: ExtensionDef = {
  core: true,
  alias: 'subnet',
  name: 'Subnet',
  description: 'Core subnets',
  updated: '2012-01-01T10:00:00-00:00',
  resources: [
    {
      collection: 'subnets',
      member: 'subnet',
      table: 'subnets',
      quota: 'subnet',
      allowBulk: true,
      attributes: {
        network_id: { type: 'uuid', allowPost: true, required: true },
        ip_version: { type: 'integer', allowPost: true, required: true, enum: [4, 6] },
        // Required unless the subnet comes from a subnet pool (checked by the service).
        cidr: { type: 'cidr', allowPost: true },
        // Only with a subnet pool: the size of the prefix to take from it.
        prefixlen: { type: 'integer', allowPost: true, visible: false, storage: 'computed', min: 0, max: 128 },
        subnetpool_id: { type: 'uuid', allowPost: true, nullable: true },
        gateway_ip: { type: 'ip', allowPost: true, allowPut: true, nullable: true, emptyIsNull: true },
        allocation_pools: { type: 'list', allowPost: true, allowPut: true, filter: false },
        dns_nameservers: { type: 'list', allowPost: true, allowPut: true, default: [], filter: false },
        host_routes: { type: 'list', allowPost: true, allowPut: true, default: [], filter: false },
        enable_dhcp: { type: 'boolean', allowPost: true, allowPut: true, default: true },
        ipv6_ra_mode: { type: 'string', allowPost: true, allowPut: true, nullable: true, default: null, enum: IPV6_MODES },
        ipv6_address_mode: { type: 'string', allowPost: true, allowPut: true, nullable: true, default: null, enum: IPV6_MODES },
        // The `segment` extension's attribute; kept because routed-network clients send it.
        segment_id: { type: 'uuid', allowPost: true, allowPut: true, nullable: true, default: null },
      },
    },
  ],
};
