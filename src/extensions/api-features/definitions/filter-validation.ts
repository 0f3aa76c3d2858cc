// The `filter-validation` API extension: a flag for behaviour of the generic API layer (src/api/,
// src/framework/) for every resource.
import type { ExtensionDef } from '../../../framework/definitions.ts';

export const filterValidationExtension: ExtensionDef = {
  alias: 'filter-validation',
  name: 'Filter parameters validation',
  description: 'Provides validation on filter parameters.',
  updated: '2017-01-01T00:00:00-00:00',
};
