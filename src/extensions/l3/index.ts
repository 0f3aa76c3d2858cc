// L3: routers (gateways, interfaces, extra routes), floating IPs and their port
// forwardings, floating IP pools, address scopes and the auto-allocated topology.
import { defineFeature } from '../../framework/feature.ts';
import * as m0030 from './migrations/0030_l3.ts';
import * as m0093 from './migrations/0093_port_forwarding_ranges.ts';
import { l3Rules } from './policy.ts';
import { AddressScopeService } from './address-scope-service.ts';
import { AutoAllocator } from './auto-allocation.ts';
import { FloatingIpPools } from './floatingip-pools.ts';
import { FloatingIpService } from './floatingip-service.ts';
import { PortForwardingService } from './port-forwarding-service.ts';
import { RouterService } from './router-service.ts';
import { autoAllocatedTopologyRoutes, floatingIpPoolRoutes } from './routes.ts';
import { l3Wiring } from './wiring.ts';
import { routerExtension } from './definitions/router.ts';
import { extGwModeExtension } from './definitions/ext-gw-mode.ts';
import { extrarouteExtension } from './definitions/extraroute.ts';
import { extrarouteAtomicExtension } from './definitions/extraroute-atomic.ts';
import { l3HaExtension } from './definitions/l3-ha.ts';
import { dvrExtension } from './definitions/dvr.ts';
import { routerAvailabilityZoneExtension } from './definitions/router_availability_zone.ts';
import { floatingipPoolsExtension } from './definitions/floatingip-pools.ts';
import { fipPortDetailsExtension } from './definitions/fip-port-details.ts';
import { floatingIpPortForwardingExtension } from './definitions/floating-ip-port-forwarding.ts';
import { floatingIpPortForwardingDescriptionExtension } from './definitions/floating-ip-port-forwarding-description.ts';
import { floatingIpPortForwardingDetailExtension } from './definitions/floating-ip-port-forwarding-detail.ts';
import { floatingIpPortForwardingPortRangesExtension } from './definitions/floating-ip-port-forwarding-port-ranges.ts';
import { exposePortForwardingInFipExtension } from './definitions/expose-port-forwarding-in-fip.ts';
import { addressScopeExtension } from './definitions/address-scope.ts';
import { rbacAddressScopeExtension } from './definitions/rbac-address-scope.ts';
import { autoAllocatedTopologyExtension } from './definitions/auto-allocated-topology.ts';

export default defineFeature({
  name: 'l3',
  after: ['network', 'port', 'rbac', 'subnet', 'subnetpool'],
  extensions: [routerExtension, extGwModeExtension, extrarouteExtension, extrarouteAtomicExtension, l3HaExtension, dvrExtension, routerAvailabilityZoneExtension, floatingipPoolsExtension, fipPortDetailsExtension, floatingIpPortForwardingExtension, floatingIpPortForwardingDescriptionExtension, floatingIpPortForwardingDetailExtension, floatingIpPortForwardingPortRangesExtension, exposePortForwardingInFipExtension, addressScopeExtension, rbacAddressScopeExtension, autoAllocatedTopologyExtension],
  migrations: { '0030_l3': m0030, '0093_port_forwarding_ranges': m0093 },
  policy: l3Rules,
  services: (deps) => ({
    routers: new RouterService(deps),
    floatingips: new FloatingIpService(deps),
    portForwardings: new PortForwardingService(deps),
    addressScopes: new AddressScopeService(deps),
    autoAllocator: new AutoAllocator(deps),
    floatingipPools: deps.registry.has('floatingip-pools') ? new FloatingIpPools(deps) : undefined,
  }),
  wiring: l3Wiring,
  cascades: [{ parent: 'floatingips', resource: 'port_forwardings', column: 'floatingip_id' }],
  routes: [autoAllocatedTopologyRoutes, floatingIpPoolRoutes],
});
