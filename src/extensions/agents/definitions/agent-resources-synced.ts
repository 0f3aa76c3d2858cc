// The `agent-resources-synced` API extension.
import type { ExtensionDef } from '../../../framework/definitions.ts';

export const agentResourcesSyncedExtension: ExtensionDef = {
  alias: 'agent-resources-synced',
  name: "Agent's Resource View Synced to Placement",
  description: 'Stores success/failure of last sync to Placement',
  updated: '2018-03-06T00:00:00-00:00',
  requires: ['agent'],
};
