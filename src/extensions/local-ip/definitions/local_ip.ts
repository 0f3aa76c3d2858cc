// Neutron's `local_ip`: /local_ips, a virtual IP that every host answers for locally (taken
// from a port, or from a port Neutron creates on a network), and
// /local_ips/{id}/port_associations, the ports that use it (keyed by port id; served by
// routes.ts, since an association has no id of its own).
import type { ExtensionDef } from '../../../framework/definitions.ts';

export const IP_MODES = ['translate', 'passthrough'] as const;

export const localIp: ExtensionDef = {
  alias: 'local_ip',
  name: 'Local IP',
  description: 'Support Node Local Virtual IP',
  updated: '2021-07-26T10:00:00-00:00',
  resources: [
    {
      collection: 'local_ips',
      member: 'local_ip',
      table: 'local_ips',
      allowBulk: false,
      attributes: {
        local_port_id: { type: 'uuid', allowPost: true },
        network_id: { type: 'uuid', allowPost: true },
        local_ip_address: { type: 'ip', allowPost: true, nullable: true, enforcePolicy: true },
        ip_mode: { type: 'string', allowPost: true, enum: IP_MODES, default: 'translate' },
      },
    },
  ],
};
