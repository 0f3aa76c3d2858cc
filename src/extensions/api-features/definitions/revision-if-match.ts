// The `revision-if-match` API extension: a flag for behaviour of the generic API layer (src/api/,
// src/framework/) for every resource.
import type { ExtensionDef } from '../../../framework/definitions.ts';

export const revisionIfMatchExtension: ExtensionDef = {
  alias: 'revision-if-match',
  name: 'If-Match constraints based on revision_number',
  description: "Extension indicating that If-Match based on revision_number is supported.",
  updated: '2017-01-01T00:00:00-00:00',
};
