// Address groups: named sets of CIDRs that security group rules can reference as their
// remote (remote_address_group_id). Members change through the add_addresses and
// remove_addresses member actions.
import type { ExtensionDef } from '../../../framework/definitions.ts';

export const addressGroupExtension: ExtensionDef = {
  alias: 'address-group',
  name: 'Address group',
  description: 'Support address group',
  updated: '2020-07-15T10:00:00-00:00',
  requires: ['security-group'],
  resources: [
    {
      collection: 'address_groups',
      path: 'address-groups',
      member: 'address_group',
      table: 'address_groups',
      allowBulk: true,
      standard: { tags: false },
      attributes: {
        addresses: { type: 'list', items: 'string', allowPost: true, nullable: true, storage: 'computed', filter: false, sort: false },
      },
      actions: {
        add_addresses: { method: 'PUT', handler: 'addAddresses' },
        remove_addresses: { method: 'PUT', handler: 'removeAddresses' },
      },
    },
  ],
};
