// The `project-id` API extension: a flag for behaviour of the generic API layer (src/api/,
// src/framework/) for every resource.
import type { ExtensionDef } from '../../../framework/definitions.ts';

export const projectIdExtension: ExtensionDef = {
  alias: 'project-id',
  name: 'project_id field enabled',
  description: 'Extension that indicates that project_id field is enabled.',
  updated: '2017-01-01T00:00:00-00:00',
};
