// Extensions that announce behaviour of the generic API layer for every resource
// (pagination, sorting, filter validation, standard attributes, tags, If-Match); the
// behaviour itself is in src/framework/ and src/api/.
import { defineFeature } from '../../framework/feature.ts';
import { paginationExtension } from './definitions/pagination.ts';
import { sortingExtension } from './definitions/sorting.ts';
import { projectIdExtension } from './definitions/project-id.ts';
import { filterValidationExtension } from './definitions/filter-validation.ts';
import { emptyStringFilteringExtension } from './definitions/empty-string-filtering.ts';
import { standardAttrDescriptionExtension } from './definitions/standard-attr-description.ts';
import { standardAttrTimestampExtension } from './definitions/standard-attr-timestamp.ts';
import { standardAttrRevisionsExtension } from './definitions/standard-attr-revisions.ts';
import { revisionIfMatchExtension } from './definitions/revision-if-match.ts';
import { standardAttrTagExtension } from './definitions/standard-attr-tag.ts';
import { tagExtension } from './definitions/tag.ts';
import { tagExtExtension } from './definitions/tag-ext.ts';

export default defineFeature({
  name: 'api-features',
  extensions: [paginationExtension, sortingExtension, projectIdExtension, filterValidationExtension, emptyStringFilteringExtension, standardAttrDescriptionExtension, standardAttrTimestampExtension, standardAttrRevisionsExtension, revisionIfMatchExtension, standardAttrTagExtension, tagExtension, tagExtExtension],
});
