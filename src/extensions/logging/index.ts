// Network logging (Neutron's logging): logs of security group decisions and the loggable types.
import { defineFeature } from '../../framework/feature.ts';
import { logging } from './definitions/logging.ts';
import * as m0095 from './migrations/0095_logs.ts';
import { loggingRules } from './policy.ts';
import { LogService } from './log-service.ts';
import { loggableResourceRoutes } from './routes.ts';
import { loggingWiring } from './wiring.ts';

export default defineFeature({
  name: 'logging',
  after: ['port', 'securitygroups'],
  extensions: [logging],
  migrations: { '0095_logs': m0095 },
  policy: loggingRules,
  services: (deps) => ({ logs: new LogService(deps) }),
  wiring: loggingWiring,
  routes: [loggableResourceRoutes],
});
