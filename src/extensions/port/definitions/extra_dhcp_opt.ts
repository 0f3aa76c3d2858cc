// The `extra_dhcp_opt` API extension.
import type { ExtensionDef } from '../../../framework/definitions.ts';

export const extraDhcpOptExtension: ExtensionDef = {
  alias: 'extra_dhcp_opt',
  name: 'Neutron Extra DHCP options',
  description: 'Extra options configuration for DHCP. For example PXE boot options to DHCP clients can be specified (e.g. tftp-server, server-ip-address, bootfile-name)',
  updated: '2013-03-17T12:00:00-00:00',
  extendAttributes: { ports: { extra_dhcp_opts: { type: 'list', allowPost: true, allowPut: true, default: [], filter: false } } },
};
