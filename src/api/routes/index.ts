// Routes that are not plain resources (quotas, availability, auto-allocation...): each
// feature declares its own (Feature.routes, in src/extensions/<feature>/); the server
// registers them all here, giving them the HTTP layer's request helpers.
import type { FastifyInstance } from 'fastify';
import type { App } from '../../app.ts';
import type { HttpHelpers } from '../../framework/feature.ts';
import { asList, parseListQuery, project } from '../query.ts';
import { filterStatic } from './static-list.ts';

const http: HttpHelpers = {
  asList,
  project: (item, fields) => project(item, fields),
  parseListQuery: (service, raw) => parseListQuery(service, raw),
  filterStatic,
};

export function registerFeatureRoutes(server: FastifyInstance, app: App): void {
  for (const feature of app.features) for (const register of feature.routes ?? []) register(server, app, http);
}
