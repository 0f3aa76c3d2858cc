// Service providers (GET /v2.0/service-providers): the drivers behind advanced services.
import type { ExtensionDef } from './types.ts';

export const serviceTypeExtension: ExtensionDef = {
  alias: 'service-type',
  name: 'Neutron Service Type Management',
  description: 'API for retrieving service providers for Neutron advanced services',
  updated: '2013-01-20T00:00:00-00:00',
};
