// Neutron's `standard-attr-segment`: segments get description, tags, timestamps and a
// revision number. The registry cannot let one extension turn on another resource's
// standard attributes, so segment.ts declares them and this feature always lists both.
import type { ExtensionDef } from '../../../framework/definitions.ts';

export const standardAttrSegmentExtension: ExtensionDef = {
  alias: 'standard-attr-segment',
  name: 'Standard Attribute Segment Extension',
  description: 'Add standard attributes to Segment resource',
  updated: '2018-04-09T10:00:00-00:00',
  requires: ['segment'],
};
