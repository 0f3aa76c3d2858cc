// Neutron's `trunk-details`: a trunk's parent port shows `trunk_details` (the trunk's id and
// its subports with their MAC addresses); other ports do not have the attribute.
import type { ExtensionDef } from '../../../framework/definitions.ts';

export const trunkDetailsExtension: ExtensionDef = {
  alias: 'trunk-details',
  name: 'Trunk port details',
  description: 'Expose trunk port details',
  updated: '2016-01-01T10:00:00-00:00',
  requires: ['trunk'],
  extendAttributes: {
    ports: { trunk_details: { type: 'dict', storage: 'computed', filter: false, sort: false } },
  },
};
