// The `ip_allocation` API extension.
import type { ExtensionDef } from '../../../framework/definitions.ts';

export const ipAllocationExtension: ExtensionDef = {
  alias: 'ip_allocation',
  name: 'IP Allocation',
  description: 'IP allocation extension.',
  updated: '2016-06-10T23:00:00-00:00',
  extendAttributes: { ports: { ip_allocation: { type: 'string' } } },
};
