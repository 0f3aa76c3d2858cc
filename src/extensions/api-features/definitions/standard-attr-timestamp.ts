// The `standard-attr-timestamp` API extension: a flag for behaviour of the generic API layer (src/api/,
// src/framework/) for every resource.
import type { ExtensionDef } from '../../../framework/definitions.ts';

export const standardAttrTimestampExtension: ExtensionDef = {
  alias: 'standard-attr-timestamp',
  name: 'Resource timestamps',
  description: 'Adds created_at and updated_at fields to all Neutron resources that have Neutron standard attributes.',
  updated: '2017-01-01T00:00:00-00:00',
};
