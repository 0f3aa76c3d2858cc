// Neutron's `trunk` extension: trunks (a parent port plus subports, each carried on the
// parent with its own segmentation), and the add_subports / remove_subports /
// get_subports member actions.
import type { ExtensionDef } from '../../../framework/definitions.ts';

export const trunkExtension: ExtensionDef = {
  alias: 'trunk',
  name: 'Trunk Extension',
  description: 'Provides support for trunk ports',
  updated: '2016-01-01T10:00:00-00:00',
  resources: [
    {
      collection: 'trunks',
      member: 'trunk',
      table: 'trunks',
      allowBulk: true,
      attributes: {
        admin_state_up: { type: 'boolean', allowPost: true, allowPut: true, default: true },
        port_id: { type: 'uuid', allowPost: true, required: true },
        status: { type: 'string' },
        // Stored in trunk_subports; validated by the service (port_id, segmentation_type, segmentation_id).
        sub_ports: { type: 'list', allowPost: true, default: [], storage: 'computed', filter: false },
      },
      actions: {
        add_subports: { method: 'PUT', handler: 'addSubports' },
        remove_subports: { method: 'PUT', handler: 'removeSubports' },
        get_subports: { method: 'GET', handler: 'getSubports' },
      },
    },
  ],
};
