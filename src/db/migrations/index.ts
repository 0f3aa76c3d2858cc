// The ordered list of schema versions. Add a new file for every change; never edit a
// migration that has landed.
import type { Migration } from 'kysely';
import * as m0001 from './0001_core.ts';
import * as m0002 from './0002_core_ipam.ts';
import * as m0010 from './0010_identity.ts';
import * as m0020 from './0020_rbac_policies.ts';
import * as m0030 from './0030_l3.ts';
import * as m0040 from './0040_security_groups.ts';
import * as m0041 from './0041_default_security_group_rules.ts';
import * as m0042 from './0042_shared_groups.ts';
import * as m0050 from './0050_metering_agents.ts';
import * as m0051 from './0051_quota_usages.ts';
import * as m0060 from './0060_change_feed.ts';

export const migrations: Record<string, Migration> = {
  '0001_core': m0001,
  '0002_core_ipam': m0002,
  '0010_identity': m0010,
  '0020_rbac_policies': m0020,
  '0030_l3': m0030,
  '0040_security_groups': m0040,
  '0041_default_security_group_rules': m0041,
  '0042_shared_groups': m0042,
  '0050_metering_agents': m0050,
  '0051_quota_usages': m0051,
  '0060_change_feed': m0060,
};
