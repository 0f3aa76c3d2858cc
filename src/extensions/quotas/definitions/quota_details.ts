// quota_details: GET /v2.0/quotas/{project}/details (../routes.ts).
import type { ExtensionDef } from '../../../framework/definitions.ts';

export const quotaDetailsExtension: ExtensionDef = {
  alias: 'quota_details',
  name: 'Quota details management support',
  description: 'Expose functions for quotas usage statistics per project',
  updated: '2017-02-10T10:00:00-00:00',
};
