// The `standard-attr-description` API extension: a flag for behaviour of the generic API layer (src/api/,
// src/framework/) for every resource.
import type { ExtensionDef } from '../../../framework/definitions.ts';

export const standardAttrDescriptionExtension: ExtensionDef = {
  alias: 'standard-attr-description',
  name: 'standard-attr-description',
  description: 'Extension to add descriptions to standard attributes',
  updated: '2017-01-01T00:00:00-00:00',
};
