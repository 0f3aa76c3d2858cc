// service-type: GET /v2.0/service-providers (../routes.ts).
import type { ExtensionDef } from '../../../framework/definitions.ts';

export const serviceTypeExtension: ExtensionDef = {
  alias: 'service-type',
  name: 'Service type',
  description: 'API for retrieving service providers for Neutron advanced services',
  updated: '2013-01-20T00:00:00-00:00',
};
