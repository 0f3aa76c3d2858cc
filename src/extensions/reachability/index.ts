// Reachability analysis (neutrino-reachability, Neutrino's own extension): "can A reach B,
// and if not, what blocks it?" answered from the API's intent. engine.ts is the pure
// analysis, loader.ts reads the snapshot it works on with the caller's visibility.
import { defineFeature } from '../../framework/feature.ts';
import { neutrinoReachabilityExtension } from './definitions/neutrino-reachability.ts';
import { reachabilityRules } from './policy.ts';
import { ReachabilityService } from './reachability-service.ts';
import { reachabilityRoutes } from './routes.ts';

export default defineFeature({
  name: 'reachability',
  after: ['l3', 'securitygroups'],
  extensions: [neutrinoReachabilityExtension],
  policy: reachabilityRules,
  services: (deps) => ({ reachability: new ReachabilityService(deps) }),
  routes: [reachabilityRoutes],
});
