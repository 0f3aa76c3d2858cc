// Address scopes: sets of subnet pools whose addresses never overlap, so routers can
// route between their subnets without NAT. Subnet pools reference a scope
// (address_scope_id); networks show the scopes of their subnets.
import type { ExtensionDef } from '../../../framework/definitions.ts';

export const addressScopeExtension: ExtensionDef = {
  alias: 'address-scope',
  name: 'Address scope',
  description: 'Address scopes extension.',
  updated: '2015-07-26T10:00:00-00:00',
  resources: [
    {
      collection: 'address_scopes',
      // As the API reference, the CLI and the SDK spell it (Tempest has no address scope client).
      path: 'address-scopes',
      member: 'address_scope',
      table: 'address_scopes',
      // Not a standard-attribute resource in Neutron: no description, tags, timestamps or revision.
      standard: { description: false, tags: false, timestamps: false, revision: false },
      allowBulk: true,
      attributes: {
        shared: { type: 'boolean', allowPost: true, allowPut: true, default: false, enforcePolicy: true },
        ip_version: { type: 'integer', allowPost: true, required: true, enum: [4, 6] },
      },
    },
  ],
  extendAttributes: {
    subnetpools: { address_scope_id: { type: 'uuid', allowPost: true, allowPut: true, nullable: true, default: null } },
    networks: {
      ipv4_address_scope: { type: 'uuid', storage: 'computed', filter: false },
      ipv6_address_scope: { type: 'uuid', storage: 'computed', filter: false },
    },
  },
};
