// The `subnet-service-types` API extension.
import type { ExtensionDef } from '../../../framework/definitions.ts';

export const subnetServiceTypesExtension: ExtensionDef = {
  alias: 'subnet-service-types',
  name: 'Subnet service types',
  description: 'Provides ability to set the subnet service_types field',
  updated: '2016-03-03T00:00:00-00:00',
  extendAttributes: { subnets: { service_types: { type: 'list', items: 'string', allowPost: true, allowPut: true, default: [], filter: false } } },
};
