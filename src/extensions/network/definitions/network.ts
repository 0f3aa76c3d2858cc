// Networks (core resource). Extensions that add network attributes have their own files.
import type { ExtensionDef } from '../../../framework/definitions.ts';

export const networkExtension: ExtensionDef = {
  core: true,
  alias: 'network',
  name: 'Network',
  description: 'Core networks',
  updated: '2012-01-01T10:00:00-00:00',
  resources: [
    {
      collection: 'networks',
      member: 'network',
      table: 'networks',
      quota: 'network',
      allowBulk: true,
      attributes: {
        admin_state_up: { type: 'boolean', allowPost: true, allowPut: true, default: true },
        status: { type: 'string' },
        shared: { type: 'boolean', allowPost: true, allowPut: true, default: false, enforcePolicy: true },
        subnets: { type: 'list', storage: 'computed', filter: false },
      },
    },
  ],
};
