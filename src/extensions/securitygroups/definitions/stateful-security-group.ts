// The `stateful-security-group` API extension.
import type { ExtensionDef } from '../../../framework/definitions.ts';

export const statefulSecurityGroupExtension: ExtensionDef = {
  alias: 'stateful-security-group',
  name: 'Stateful security group',
  description: 'Indicates if the security group is stateful or not',
  updated: '2019-11-26T09:00:00-00:00',
  requires: ['security-group'],
  extendAttributes: { security_groups: { stateful: { type: 'boolean', allowPost: true, allowPut: true, default: true } } },
};
