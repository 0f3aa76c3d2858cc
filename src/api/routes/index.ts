// Routes that are not plain resources (quotas, availability, auto-allocation...). Each
// module registers its own paths; the server calls them all.
import type { FastifyInstance } from 'fastify';
import type { App } from '../../app.ts';
import { registerQuotaRoutes } from './quotas.ts';
import { registerAvailabilityZoneRoutes } from './availability-zones.ts';
import { registerFloatingIpPoolRoutes } from './floatingip-pools.ts';
import { registerAutoAllocatedTopologyRoutes } from './auto-allocated-topology.ts';
import { registerNetworkIpAvailabilityRoutes } from './network-ip-availability.ts';
import { registerAgentSchedulingRoutes } from './agent-scheduling.ts';
import { registerServiceProviderRoutes } from './service-providers.ts';
import { registerWatchRoutes } from './watch.ts'; // backend seam
import { registerAgentReportRoutes } from './agent-reports.ts'; // host agents (linux backend)

export type RouteModule = (server: FastifyInstance, app: App) => void;

export const extraRoutes: RouteModule[] = [
  registerQuotaRoutes,
  registerAvailabilityZoneRoutes,
  registerFloatingIpPoolRoutes,
  registerAutoAllocatedTopologyRoutes,
  registerNetworkIpAvailabilityRoutes,
  registerAgentSchedulingRoutes,
  registerServiceProviderRoutes,
  registerWatchRoutes,
  registerAgentReportRoutes,
];
