// L3's Neutron errors (neutron_lib.exceptions.l3 and the port forwarding / address scope /
// auto-allocation ones), with Neutron's types, statuses and messages.
import { NeutronError } from '../../foundation/errors.ts';
import { isUniqueViolation } from '../../db/index.ts';

/** Neutron's BadRequest: `Bad <resource> request: <msg>.` */
export const badRequestFor = (resource: string, msg: string) => new NeutronError(400, 'BadRequest', `Bad ${resource} request: ${msg}.`);

export const routerNotFound = (id: string) => new NeutronError(404, 'RouterNotFound', `Router ${id} could not be found`);
export const floatingIpNotFound = (id: string) => new NeutronError(404, 'FloatingIPNotFound', `Floating IP ${id} could not be found`);
export const portForwardingNotFound = (id: string) => new NeutronError(404, 'PortForwardingNotFound', `Port Forwarding ${id} could not be found.`);
export const addressScopeNotFound = (id: string) => new NeutronError(404, 'AddressScopeNotFound', `Address scope ${id} could not be found.`);

export const routerInUse = (id: string, reason = 'still has ports') => new NeutronError(409, 'RouterInUse', `Router ${id} ${reason}`);

export const interfaceNotFoundForSubnet = (routerId: string, subnetId: string) =>
  new NeutronError(404, 'RouterInterfaceNotFoundForSubnet', `Router ${routerId} has no interface on subnet ${subnetId}`);

export const interfaceNotFound = (routerId: string, portId: string) =>
  new NeutronError(404, 'RouterInterfaceNotFound', `Router ${routerId} does not have an interface with id ${portId}`);

export const interfaceInUseByFloatingIp = (routerId: string, subnetId: string) =>
  new NeutronError(409, 'RouterInterfaceInUseByFloatingIP', `Router interface for subnet ${subnetId} on router ${routerId} cannot be deleted, as it is required by one or more floating IPs.`);

export const interfaceInUseByRoute = (routerId: string, subnetId: string) =>
  new NeutronError(409, 'RouterInterfaceInUseByRoute', `Router interface for subnet ${subnetId} on router ${routerId} cannot be deleted, as it is required by one or more routes.`);

export const gatewayInUseByFloatingIp = (routerId: string, networkId: string) =>
  new NeutronError(409, 'RouterExternalGatewayInUseByFloatingIp', `Gateway cannot be updated for router ${routerId}, since a gateway to external network ${networkId} is required by one or more floating IPs.`);

export const invalidRoutes = (routes: unknown, reason: string) => new NeutronError(400, 'InvalidRoutes', `Invalid format for routes: ${JSON.stringify(routes)}, ${reason}`);

export const routesExhausted = (routerId: string, max: number) =>
  new NeutronError(400, 'RoutesExhausted', `Unable to complete operation for ${routerId}. The number of routes exceeds the maximum ${max}.`);

export const l3PortInUse = (portId: string, owner: string) =>
  new NeutronError(409, 'L3PortInUse', `Port ${portId} has owner ${owner} and therefore cannot be deleted directly via the port API.`);

export const portInUse = (portId: string, networkId: string, deviceId: string) =>
  new NeutronError(409, 'PortInUse', `Unable to complete operation on port ${portId} for network ${networkId}. Port already has an attached device ${deviceId}.`);

export const gatewayNotFoundForFloatingIp = (networkId: string, subnetId: string, portId: string) =>
  new NeutronError(404, 'ExternalGatewayForFloatingIPNotFound', `External network ${networkId} is not reachable from subnet ${subnetId}.  Therefore, cannot associate Port ${portId} with a Floating IP.`);

export const floatingIpPortAlreadyAssociated = (fip: { id: string; floating_ip_address: string; floating_network_id: string }, portId: string, fixedIp: string) =>
  new NeutronError(
    409,
    'FloatingIPPortAlreadyAssociated',
    `Cannot associate floating IP ${fip.floating_ip_address} (${fip.id}) with port ${portId} using fixed IP ${fixedIp}, as that fixed IP already has a floating IP on external network ${fip.floating_network_id}.`,
  );

export const fipInUseByPortForwarding = (fipId: string) => new NeutronError(409, 'FipInUseByPortForwarding', `Floating IP ${fipId} in use by Port Forwarding resources.`);

export const addressScopeInUse = (id: string) =>
  new NeutronError(409, 'AddressScopeInUse', `Unable to complete operation on address scope ${id}. There are one or more subnet pools in use on the address scope.`);

export const autoAllocationFailure = (reason: string) => new NeutronError(409, 'AutoAllocationFailure', `Deployment error: ${reason}.`);

export const defaultExternalNetworkExists = (networkId: string) =>
  new NeutronError(409, 'DefaultExternalNetworkExists', `A default external network already exists: ${networkId}.`);

/** Runs fn; a unique-key violation (a race past a service's check) becomes the given error. */
export async function uniqueAs<T>(fn: () => Promise<T>, error: () => NeutronError): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (isUniqueViolation(err)) throw error();
    throw err;
  }
}
