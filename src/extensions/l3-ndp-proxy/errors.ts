// NDP proxies' Neutron errors (neutron/services/ndp_proxy/exceptions.py): types, statuses, messages.
import { NeutronError } from '../../foundation/errors.ts';

export const ndpProxyNotFound = (id: string) => new NeutronError(404, 'NDPProxyNotFound', `NDP proxy ${id} could not be found.`);

export const routerGatewayInUseByNdpProxy = (routerId: string) =>
  new NeutronError(409, 'RouterGatewayInUseByNDPProxy', `Unable to unset external gateway of router ${routerId}, There are one or more ndp proxies still in use on the router.`);

export const routerInterfaceInUseByNdpProxy = (routerId: string, subnetId: string) =>
  new NeutronError(409, 'RouterInterfaceInUseByNDPProxy', `Unable to remove subnet ${subnetId} from router ${routerId}, There are one or more ndp proxies still in use on the subnet.`);

export const addressScopeConflict = (external: string | null, internal: string | null) =>
  new NeutronError(409, 'AddressScopeConflict', `The IPv6 address scope ${external ?? 'None'} of external network conflict with internal network's IPv6 address scope ${internal ?? 'None'}.`);

export const routerGatewayNotValid = (routerId: string, reason: string) =>
  new NeutronError(409, 'RouterGatewayNotValid', `Can not enable ndp proxy no router ${routerId}, ${reason}.`);

export const routerNdpProxyNotEnabled = (routerId: string) =>
  new NeutronError(409, 'RouterNDPProxyNotEnable', `The enable_ndp_proxy parameter of router ${routerId} must be set as True while create ndp proxy entry on it.`);

export const portUnreachableRouter = (portId: string, routerId: string) =>
  new NeutronError(409, 'PortUnreachableRouter', `The port ${portId} cannot reach the router ${routerId} by IPv6 subnet.`);

export const invalidAddress = (address: string, reason: string) => new NeutronError(400, 'InvalidAddress', `The address ${address} is invalid, reason: ${reason}.`);

export const routerIpv6GatewayInUse = (routerId: string) =>
  new NeutronError(409, 'RouterIPv6GatewayInUse', `Can't remove the IPv6 subnet from external gateway of router ${routerId}, the IPv6 subnet in use by the router's ndp proxy.`);

export const portWithoutIpv6 = (portId: string) => new NeutronError(400, 'BadRequest', `Bad ndp_proxy request: Requested port ${portId} must allocate one IPv6 address at least.`);
