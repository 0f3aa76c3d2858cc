// The `pagination` API extension: a flag for behaviour of the generic API layer (src/api/,
// src/framework/) for every resource.
import type { ExtensionDef } from '../../../framework/definitions.ts';

export const paginationExtension: ExtensionDef = {
  alias: 'pagination',
  name: 'Pagination support',
  description: 'Extension that indicates that pagination is enabled.',
  updated: '2017-01-01T00:00:00-00:00',
};
