// The `sorting` API extension: a flag for behaviour of the generic API layer (src/api/,
// src/framework/) for every resource.
import type { ExtensionDef } from '../../../framework/definitions.ts';

export const sortingExtension: ExtensionDef = {
  alias: 'sorting',
  name: 'Sorting support',
  description: 'Extension that indicates that sorting is enabled.',
  updated: '2017-01-01T00:00:00-00:00',
};
