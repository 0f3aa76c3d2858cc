// Service flavors (`flavors`: flavors, service profiles and their associations) and
// routers' flavor (`l3-flavors`).
import { defineFeature } from '../../framework/feature.ts';
import { flavorsExtension } from './definitions/flavors.ts';
import { l3FlavorsExtension } from './definitions/l3-flavors.ts';
import { FlavorService, ServiceProfileService } from './flavor-service.ts';
import * as m0082 from './migrations/0082_flavors.ts';
import { flavorRules } from './policy.ts';
import { flavorProfileRoutes } from './routes.ts';
import { flavorWiring } from './wiring.ts';

export default defineFeature({
  name: 'flavors',
  after: ['l3'],
  extensions: [flavorsExtension, l3FlavorsExtension],
  migrations: { '0082_flavors': m0082 },
  policy: flavorRules,
  services: (deps) => ({ flavors: new FlavorService(deps), serviceProfiles: new ServiceProfileService(deps) }),
  wiring: flavorWiring,
  routes: [flavorProfileRoutes],
});
