// Routes that are not plain resources: the features' own (Feature.routes, in
// src/extensions/<feature>/: quotas, availability, auto-allocation...), registered here with
// the HTTP layer's request helpers, and the backend seam's watch and status-report routes
// (watch.ts), which belong to no feature.
import type { FastifyInstance } from 'fastify';
import type { App } from '../../app.ts';
import type { HttpHelpers } from '../../framework/feature.ts';
import { asList, parseListQuery, project } from '../query.ts';
import { filterStatic } from './static-list.ts';
import { registerWatchRoutes } from './watch.ts'; // backend seam
import { registerAgentReportRoutes } from './agent-reports.ts'; // host agents (linux backend)

const http: HttpHelpers = {
  asList,
  project: (item, fields) => project(item, fields),
  parseListQuery: (service, raw) => parseListQuery(service, raw),
  filterStatic,
};

export function registerFeatureRoutes(server: FastifyInstance, app: App): void {
  for (const feature of app.features) for (const register of feature.routes ?? []) register(server, app, http);
  registerWatchRoutes(server, app);
  registerAgentReportRoutes(server, app); // host agents (linux backend)
}
