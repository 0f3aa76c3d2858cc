// Ports (core resource). `security_groups` is added by the security-group definition, not here.
import type { ExtensionDef } from '../../../framework/definitions.ts';

export const portExtension: ExtensionDef = {
  core: true,
  alias: 'port',
  name: 'Port',
  description: 'Core ports',
  updated: '2012-01-01T10:00:00-00:00',
  resources: [
    {
      collection: 'ports',
      member: 'port',
      table: 'ports',
      quota: 'port',
      allowBulk: true,
      attributes: {
        network_id: { type: 'uuid', allowPost: true, required: true },
        admin_state_up: { type: 'boolean', allowPost: true, allowPut: true, default: true },
        // null (or absent) generates one; on update null regenerates (port-mac-address-regenerate).
        mac_address: { type: 'mac', allowPost: true, allowPut: true, nullable: true, enforcePolicy: true, convert: (v: string) => v.toLowerCase().replace(/-/g, ':') },
        // Stored denormalized in ports.fixed_ips; ipallocations is the truth for uniqueness.
        fixed_ips: { type: 'list', allowPost: true, allowPut: true, enforcePolicy: true, filter: false },
        device_id: { type: 'string', allowPost: true, allowPut: true, default: '', maxLength: 255 },
        device_owner: { type: 'string', allowPost: true, allowPut: true, default: '', maxLength: 255, enforcePolicy: true },
        status: { type: 'string' },
      },
    },
  ],
};
