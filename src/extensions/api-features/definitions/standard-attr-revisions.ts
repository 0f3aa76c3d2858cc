// The `standard-attr-revisions` API extension: a flag for behaviour of the generic API layer (src/api/,
// src/framework/) for every resource.
import type { ExtensionDef } from '../../../framework/definitions.ts';

export const standardAttrRevisionsExtension: ExtensionDef = {
  alias: 'standard-attr-revisions',
  name: 'Resource revision numbers',
  description: 'This extension will display the revision number of neutron resources.',
  updated: '2017-01-01T00:00:00-00:00',
};
