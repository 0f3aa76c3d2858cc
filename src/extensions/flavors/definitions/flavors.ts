// Neutron's `flavors`: flavors of advanced services (a service type and the service
// profiles that realize it) and service profiles (a driver and its metainfo).
import type { ExtensionDef } from '../../../framework/definitions.ts';

export const flavorsExtension: ExtensionDef = {
  alias: 'flavors',
  name: 'Neutron Service Flavors',
  description: 'Flavor specification for Neutron advanced services.',
  updated: '2015-09-17T10:00:00-00:00',
  resources: [
    {
      collection: 'flavors',
      member: 'flavor',
      table: 'flavors',
      // Flavors belong to no project (admin-made, readable by every caller) and are not standard-attribute resources.
      standard: { project: false, tags: false, timestamps: false, revision: false },
      attributes: {
        service_type: { type: 'string', allowPost: true, required: true, maxLength: 36 },
        enabled: { type: 'boolean', allowPost: true, allowPut: true, default: true },
        // Associations: /v2.0/flavors/{id}/service_profiles (routes.ts).
        service_profiles: { type: 'list', items: 'uuid', allowPost: true, allowPut: true, default: [], storage: 'computed', filter: false },
      },
    },
    {
      collection: 'service_profiles',
      member: 'service_profile',
      table: 'service_profiles',
      standard: { project: false, name: false, tags: false, timestamps: false, revision: false },
      attributes: {
        driver: { type: 'string', allowPost: true, allowPut: true, default: '', maxLength: 1024 },
        metainfo: { type: 'string', allowPost: true, allowPut: true, default: '', maxLength: 4096 },
        enabled: { type: 'boolean', allowPost: true, allowPut: true, default: true },
      },
    },
  ],
};
