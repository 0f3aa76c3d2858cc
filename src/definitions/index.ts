// Every extension Neutrino can serve. A deployment serves all of them unless configured
// otherwise; GET /v2.0/extensions lists exactly the non-core ones enabled here.
import type { NeutrinoConfig } from '../config/index.ts';
import type { ExtensionDef } from './types.ts';
import { apiFeatureExtensions } from './api-features.ts';
import { networkCore, networkExtensions } from './network.ts';
import { subnetCore, subnetExtensions } from './subnet.ts';
import { subnetpoolCore, subnetpoolExtensions } from './subnetpool.ts';
import { portCore, portExtensions } from './port.ts';
import { networkIpAvailabilityExtension } from './network-ip-availability.ts';
import { rbacExtensions } from './rbac.ts';
import { l3Extensions, routerExtension } from './l3.ts';
import { portForwardingExtensions } from './port-forwarding.ts';
import { addressScopeExtension, addressScopeRbacExtension } from './address-scope.ts';
import { autoAllocatedTopologyExtension } from './auto-allocated-topology.ts';
import { securityGroupExtensions } from './security-group.ts';
import { addressGroupExtension, rbacAddressGroupExtension } from './address-group.ts';
import { meteringExtensions } from './metering.ts';
import { agentExtensions } from './agent.ts';

export const allExtensions: ExtensionDef[] = [
  networkCore,
  ...networkExtensions,
  subnetCore,
  ...subnetExtensions,
  subnetpoolCore,
  ...subnetpoolExtensions,
  portCore,
  ...portExtensions,
  networkIpAvailabilityExtension,
  ...apiFeatureExtensions,
  routerExtension,
  ...l3Extensions,
  ...portForwardingExtensions,
  addressScopeExtension,
  addressScopeRbacExtension,
  autoAllocatedTopologyExtension,
  ...securityGroupExtensions,
  addressGroupExtension,
  rbacAddressGroupExtension,
  ...rbacExtensions,
  ...meteringExtensions,
  ...agentExtensions,
];

export function enabledExtensions(_config: NeutrinoConfig): ExtensionDef[] {
  return allExtensions;
}
