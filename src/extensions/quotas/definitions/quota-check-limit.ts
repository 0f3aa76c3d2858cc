// quota-check-limit: `check_limit: true` in PUT /v2.0/quotas/{project} refuses a limit
// below what the project already uses (QuotaAdmin.update).
import type { ExtensionDef } from '../../../framework/definitions.ts';

export const quotaCheckLimitExtension: ExtensionDef = {
  alias: 'quota-check-limit',
  name: 'Quota engine limit check',
  description: 'Support for checking the resource usage before applying a new quota limit',
  updated: '2021-09-08T16:00:00-00:00',
  requires: ['quotas'],
};
