// Neutron's `l3-port-ip-change-not-allowed` (a shim: it announces behaviour): the IPv4
// addresses of a router's interface ports are not changed through the port API
// (IPAddressChangeNotAllowed); gateway ports may be.
import type { ExtensionDef } from '../../../framework/definitions.ts';

export const l3PortIpChangeNotAllowed: ExtensionDef = {
  alias: 'l3-port-ip-change-not-allowed',
  name: 'Prevent L3 router ports IP address change extension',
  description: 'Prevent change of IP address for some L3 router ports',
  updated: '2018-10-09T10:00:00-00:00',
  requires: ['router'],
};
