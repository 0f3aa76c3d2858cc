// Extensions that describe behaviour of the generic API layer (src/api/, src/framework/) for every
// resource rather than attributes of one: pagination, sorting, filters, standard attributes.
import type { ExtensionDef } from '../../../framework/definitions.ts';

const feature = (alias: string, name: string, description: string, updated = '2017-01-01T00:00:00-00:00'): ExtensionDef => ({ alias, name, description, updated });

export const apiFeatureExtensions: ExtensionDef[] = [
  feature('pagination', 'Pagination support', 'Extension that indicates that pagination is enabled.'),
  feature('sorting', 'Sorting support', 'Extension that indicates that sorting is enabled.'),
  feature('project-id', 'project_id field enabled', 'Extension that indicates that project_id field is enabled.'),
  feature('filter-validation', 'Filter parameters validation', 'Provides validation on filter parameters.'),
  feature('empty-string-filtering', 'Empty String Filtering Extension', 'Allow filtering by attributes with empty string value'),
  feature('standard-attr-description', 'standard-attr-description', 'Extension to add descriptions to standard attributes'),
  feature('standard-attr-timestamp', 'Resource timestamps', 'Adds created_at and updated_at fields to all Neutron resources that have Neutron standard attributes.'),
  feature('standard-attr-revisions', 'Resource revision numbers', 'This extension will display the revision number of neutron resources.'),
  feature('revision-if-match', 'If-Match constraints based on revision_number', "Extension indicating that If-Match based on revision_number is supported."),
  feature('standard-attr-tag', 'Tag support for resources with standard attribute: subnet, trunk, network_segment_range, router, network, policy, subnetpool, port, security_group, floatingip', 'Enables to set tag on resources with standard attribute.'),
  // The original alias of network tags (the same /tags API standard-attr-tag serves);
  // clients such as Tempest's TagsTest still look for it.
  feature('tag', 'Tag support', 'Enables to set tag on resources.', '2016-01-01T00:00:00-00:00'),
  feature('tag-ext', 'Tag support for resources: subnet, subnetpool, port, router', 'Extends tag support to more L2 and L3 resources.'),
];
