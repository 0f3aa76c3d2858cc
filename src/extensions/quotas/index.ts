// The quotas API (/v2.0/quotas, quota_details). Migration 0051 added the usage counters
// (quota_usages, kept by triggers) the framework's QuotaService counts with.
import { defineFeature } from '../../framework/feature.ts';
import { ADMIN, ADMIN_OR_READER } from '../../policy/defaults.ts';
import * as m0051 from './migrations/0051_quota_usages.ts';
import { QuotaAdmin } from './quota-admin.ts';
import { quotaRoutes } from './routes.ts';
import { quotasExtension } from './definitions/quotas.ts';
import { quotaDetailsExtension } from './definitions/quota_details.ts';
import { quotaCheckLimitExtension } from './definitions/quota-check-limit.ts';

export default defineFeature({
  name: 'quotas',
  extensions: [quotasExtension, quotaDetailsExtension, quotaCheckLimitExtension],
  migrations: { '0051_quota_usages': m0051 },
  // neutron/conf/policies/quotas.py
  policy: { get_quota: ADMIN_OR_READER, update_quota: ADMIN, delete_quota: ADMIN },
  services: (deps) => ({ quotaAdmin: new QuotaAdmin(deps) }),
  routes: [quotaRoutes],
});
