// The `tag-ports-during-bulk-creation` API extension: `tags` accepted in a port's POST body
// (bulk requests included); the port is created with them in the same transaction.
import type { ExtensionDef } from '../../../framework/definitions.ts';

export const tagPortsDuringBulkCreationExtension: ExtensionDef = {
  alias: 'tag-ports-during-bulk-creation',
  name: 'Tag Ports During Bulk Creation',
  description: 'Allow to tag ports during bulk creation',
  updated: '2019-12-29T19:00:00-00:00',
  extendAttributes: { ports: { tags: { type: 'list', items: 'string', storage: 'computed', allowPost: true, filter: false, sort: false } } },
};
