// The `empty-string-filtering` API extension: a flag for behaviour of the generic API layer (src/api/,
// src/framework/) for every resource.
import type { ExtensionDef } from '../../../framework/definitions.ts';

export const emptyStringFilteringExtension: ExtensionDef = {
  alias: 'empty-string-filtering',
  name: 'Empty String Filtering Extension',
  description: 'Allow filtering by attributes with empty string value',
  updated: '2017-01-01T00:00:00-00:00',
};
