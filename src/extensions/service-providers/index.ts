// Service providers (GET /v2.0/service-providers, extension service-type).
import { defineFeature } from '../../framework/feature.ts';
import { serviceType } from './definitions/service-type.ts';
import { serviceProviderRoutes } from './routes.ts';

export default defineFeature({
  name: 'service-providers',
  extensions: [serviceType],
  // Service providers belong to no project, so any reader may list them.
  policy: { get_service_provider: 'role:reader' },
  routes: [serviceProviderRoutes],
});
