// The `tag` API extension: a flag for behaviour of the generic API layer (src/api/,
// src/framework/) for every resource.
import type { ExtensionDef } from '../../../framework/definitions.ts';

// The original alias of network tags (the same /tags API standard-attr-tag serves);
// clients such as Tempest's TagsTest still look for it.
export const tagExtension: ExtensionDef = {
  alias: 'tag',
  name: 'Tag support',
  description: 'Enables to set tag on resources.',
  updated: '2016-01-01T00:00:00-00:00',
};
