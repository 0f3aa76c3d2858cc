// binding-extended: a port's bindings by host with activation (Nova's live migration).
import { defineFeature } from '../../framework/feature.ts';
import { bindingExtendedExtension } from './definitions/binding-extended.ts';
import * as m0094 from './migrations/0094_port_bindings.ts';
import { portBindingRules } from './policy.ts';
import { PortBindingService } from './binding-service.ts';
import { portBindingRoutes } from './routes.ts';

export default defineFeature({
  name: 'binding-extended',
  after: ['port'],
  extensions: [bindingExtendedExtension],
  migrations: { '0094_port_bindings': m0094 },
  policy: portBindingRules,
  services: (deps) => ({ portBindings: new PortBindingService(deps) }),
  routes: [portBindingRoutes],
});
