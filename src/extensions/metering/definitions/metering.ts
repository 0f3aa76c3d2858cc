// Metering: labels (a set of traffic counters a router keeps) and their rules (which
// traffic a label counts, by direction and prefixes). Admin-only by Neutron's policy.
import type { ExtensionDef } from '../../../framework/definitions.ts';
import { prefix } from './shared-attributes.ts';

export const meteringExtension: ExtensionDef = {
  alias: 'metering',
  name: 'Neutron Metering',
  description: 'Neutron Metering extension.',
  updated: '2013-06-12T10:00:00-00:00',
  resources: [
    {
      collection: 'metering_labels',
      path: 'metering/metering-labels',
      member: 'metering_label',
      table: 'metering_labels',
      // Not a standard-attribute resource in Neutron, and never updated.
      standard: { tags: false, timestamps: false, revision: false },
      operations: ['create', 'delete'],
      attributes: {
        name: { type: 'string', allowPost: true, maxLength: 255, default: '' },
        description: { type: 'string', allowPost: true, maxLength: 1024, default: '' },
        shared: { type: 'boolean', allowPost: true, default: false },
      },
    },
    {
      collection: 'metering_label_rules',
      path: 'metering/metering-label-rules',
      member: 'metering_label_rule',
      table: 'metering_label_rules',
      standard: { name: false, description: false, tags: false, timestamps: false, revision: false },
      operations: ['create', 'delete'],
      attributes: {
        metering_label_id: { type: 'uuid', allowPost: true, required: true },
        direction: { type: 'string', allowPost: true, required: true, enum: ['ingress', 'egress'] },
        excluded: { type: 'boolean', allowPost: true, default: false },
        remote_ip_prefix: prefix,
      },
    },
  ],
};
