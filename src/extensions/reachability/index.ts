// Reachability analysis (neutrino-reachability, Neutrino's own extension): "can A reach B,
// and if not, what blocks it?" answered from the API's intent. engine.ts is the pure
// analysis, loader.ts reads the snapshot it works on with the caller's visibility.
import { defineFeature } from '../../framework/feature.ts';
import { neutrinoReachabilityExtension } from './definitions/neutrino-reachability.ts';
import * as m0099 from './migrations/0099_reachability_lookups.ts';
import * as m0100 from './migrations/0100_ports_network_index_redundant.ts';
import { reachabilityRules } from './policy.ts';
import { ReachabilityService } from './reachability-service.ts';
import { reachabilityRoutes } from './routes.ts';

export default defineFeature({
  name: 'reachability',
  after: ['l3', 'securitygroups'],
  extensions: [neutrinoReachabilityExtension],
  migrations: { '0099_reachability_lookups': m0099, '0100_ports_network_index_redundant': m0100 },
  policy: reachabilityRules,
  services: (deps) => ({ reachability: new ReachabilityService(deps) }),
  routes: [reachabilityRoutes],
});
