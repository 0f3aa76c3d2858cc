// Metering labels and their rules (/v2.0/metering/...), admin only. Migration
// 0050_metering_agents also created the agents feature's tables (one migration, landed
// before features had folders).
import { defineFeature } from '../../framework/feature.ts';
import { meteringExtensions } from './definitions/metering.ts';
import * as m0050 from './migrations/0050_metering_agents.ts';
import { MeteringLabelRuleService, MeteringLabelService } from './metering-service.ts';
import { meteringRules } from './policy.ts';

export default defineFeature({
  name: 'metering',
  extensions: meteringExtensions,
  migrations: { '0050_metering_agents': m0050 },
  policy: meteringRules,
  services: (deps) =>
    deps.registry.resources.has('metering_labels') ? { meteringLabels: new MeteringLabelService(deps), meteringLabelRules: new MeteringLabelRuleService(deps) } : {},
});
