// Subnet pools (core since subnet_allocation).
import type { ExtensionDef } from '../../../framework/definitions.ts';

const prefixlen = { type: 'integer', allowPost: true, allowPut: true, min: 0, max: 128 } as const;

export const subnetAllocationExtension: ExtensionDef = {
  alias: 'subnet_allocation',
  name: 'Subnet Allocation',
  description: 'Enables allocation of subnets from a subnet pool',
  updated: '2015-03-30T10:00:00-00:00',
  resources: [
    {
      collection: 'subnetpools',
      member: 'subnetpool',
      table: 'subnetpools',
      quota: 'subnetpool',
      allowBulk: true,
      attributes: {
        name: { type: 'string', allowPost: true, allowPut: true, required: true, maxLength: 255, validate: (v: string) => (v.trim() === '' ? `'${v}' Blank strings are not permitted` : undefined) },
        prefixes: { type: 'list', items: 'cidr', allowPost: true, allowPut: true, required: true, filter: false },
        ip_version: { type: 'integer' },
        default_prefixlen: prefixlen,
        min_prefixlen: prefixlen,
        max_prefixlen: prefixlen,
        default_quota: { type: 'integer', allowPost: true, allowPut: true, nullable: true, default: null, min: 0 },
        shared: { type: 'boolean', allowPost: true, default: false, enforcePolicy: true },
        // Validated as a UUID only; address scopes are the L3 area's.
        address_scope_id: { type: 'uuid', allowPost: true, allowPut: true, nullable: true, default: null },
      },
      actions: {
        add_prefixes: { method: 'PUT', handler: 'addPrefixes' },
        remove_prefixes: { method: 'PUT', handler: 'removePrefixes' },
        onboard_network_subnets: { method: 'PUT', handler: 'onboardNetworkSubnets' }, // subnet_onboard
      },
    },
  ],
};
