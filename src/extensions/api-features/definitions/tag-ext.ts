// The `tag-ext` API extension: a flag for behaviour of the generic API layer (src/api/,
// src/framework/) for every resource.
import type { ExtensionDef } from '../../../framework/definitions.ts';

export const tagExtExtension: ExtensionDef = {
  alias: 'tag-ext',
  name: 'Tag support for resources: subnet, subnetpool, port, router',
  description: 'Extends tag support to more L2 and L3 resources.',
  updated: '2017-01-01T00:00:00-00:00',
};
