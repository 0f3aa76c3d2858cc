// Service providers (GET /v2.0/service-providers, extension service-type).
import { defineFeature } from '../../framework/feature.ts';
import { serviceProviderRoutes } from './routes.ts';
import { serviceTypeExtension } from './definitions/service-type.ts';

export default defineFeature({
  name: 'service-providers',
  extensions: [serviceTypeExtension],
  // Service providers belong to no project, so any reader may list them.
  policy: { get_service_provider: 'role:reader' },
  routes: [serviceProviderRoutes],
});
