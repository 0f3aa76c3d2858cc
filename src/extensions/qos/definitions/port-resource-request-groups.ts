// port-resource-request-groups: `resource_request` in the groups format
// ({request_groups: [{id, required, resources}], same_subtree: [ids]}), the only format
// Neutrino answers.
import type { ExtensionDef } from '../../../framework/definitions.ts';

export const portResourceRequestGroups: ExtensionDef = {
  alias: 'port-resource-request-groups',
  name: 'Port Resource Request Groups',
  description: 'Support requesting multiple groups of resources and traits from the same RP subtree in resource_request',
  updated: '2021-08-02T10:00:00-00:00',
  requires: ['port-resource-request'],
};
