// Neutron's `logging`: network logs (/v2.0/log/logs) of what security groups accept or
// drop, for a group (resource_id), a port (target_id), both, or every group of the project;
// /v2.0/log/loggable-resources lists the types that can be logged (routes.ts).
import type { ExtensionDef } from '../../../framework/definitions.ts';

export const LOG_EVENTS = ['ACCEPT', 'DROP', 'ALL'] as const;

export const logging: ExtensionDef = {
  alias: 'logging',
  name: 'Logging API Extension',
  description: 'Provides a logging API for resources such as security group and firewall.',
  updated: '2017-01-01T10:00:00-00:00',
  resources: [
    {
      collection: 'logs',
      path: 'log/logs',
      member: 'log',
      table: 'logs',
      allowBulk: false,
      attributes: {
        resource_type: { type: 'string', allowPost: true, required: true, maxLength: 36 },
        resource_id: { type: 'uuid', allowPost: true, nullable: true, default: null },
        event: { type: 'string', allowPost: true, enum: LOG_EVENTS, default: 'ALL' },
        target_id: { type: 'uuid', allowPost: true, nullable: true, default: null },
        enabled: { type: 'boolean', allowPost: true, allowPut: true, default: true },
      },
    },
  ],
};
