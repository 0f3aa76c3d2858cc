// The `metering_source_and_destination_fields` API extension.
import type { ExtensionDef } from '../../../framework/definitions.ts';
import { prefix } from './shared-attributes.ts';

/** Rules match source and destination prefixes (remote_ip_prefix is deprecated by this). */
export const meteringSourceAndDestinationFieldsExtension: ExtensionDef = {
  alias: 'metering_source_and_destination_fields',
  name: 'Neutron Metering source and destination filters',
  description: 'Provides source and destination IP prefixes in metering label rules.',
  updated: '2020-08-20T09:00:00-00:00',
  requires: ['metering'],
  extendAttributes: {
    metering_label_rules: { source_ip_prefix: prefix, destination_ip_prefix: prefix },
  },
};
