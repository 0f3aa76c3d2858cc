// Metering labels and their rules (/v2.0/metering/...), admin only. Migration
// 0050_metering_agents also created the agents feature's tables (one migration, landed
// before features had folders).
import { defineFeature } from '../../framework/feature.ts';
import * as m0050 from './migrations/0050_metering_agents.ts';
import { MeteringLabelRuleService, MeteringLabelService } from './metering-service.ts';
import { meteringRules } from './policy.ts';
import { meteringExtension } from './definitions/metering.ts';
import { meteringSourceAndDestinationFieldsExtension } from './definitions/metering_source_and_destination_fields.ts';

export default defineFeature({
  name: 'metering',
  extensions: [meteringExtension, meteringSourceAndDestinationFieldsExtension],
  migrations: { '0050_metering_agents': m0050 },
  policy: meteringRules,
  cascades: [{ parent: 'metering_labels', resource: 'metering_label_rules', column: 'metering_label_id' }],
  services: (deps) =>
    deps.registry.resources.has('metering_labels') ? { meteringLabels: new MeteringLabelService(deps), meteringLabelRules: new MeteringLabelRuleService(deps) } : {},
});
