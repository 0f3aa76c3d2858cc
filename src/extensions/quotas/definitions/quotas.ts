// quotas: /v2.0/quotas (../routes.ts).
import type { ExtensionDef } from '../../../framework/definitions.ts';

export const quotasExtension: ExtensionDef = {
  alias: 'quotas',
  name: 'Quota management support',
  description: 'Expose functions for quotas management per project',
  updated: '2012-07-29T10:00:00-00:00',
};
