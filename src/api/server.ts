// The HTTP server: Fastify with Neutron's conventions (JSON bodies, NeutronError
// rendering, request ids), authentication into a RequestContext, then the generic
// resource routes and the few special routes.
import Fastify, { type FastifyInstance } from 'fastify';
import type { App } from '../app.ts';
import { NeutronError } from '../foundation/errors.ts';
import { noauthAuthenticator, type Authenticator, type RequestContext } from '../foundation/context.ts';
import { acceptJsonBodies, limitBodyTime, urlHoldsNul } from '../foundation/http.ts';
import { registerResourceRoutes } from './resource-routes.ts';
import { registerDiscoveryRoutes } from './discovery.ts';
import { registerFeatureRoutes } from './routes/index.ts';
import { requestId, registerRequestLog } from '../foundation/request-log.ts';
import { isHealthPath, registerHealthRoutes } from '../foundation/health.ts';
import { readinessProblems } from '../db/readiness.ts';
import { isInvalidData } from '../db/index.ts';
import { registerDashboard } from '../dashboard/index.ts';

declare module 'fastify' {
  interface FastifyRequest {
    ctx: RequestContext;
  }
}

export interface ServerOptions {
  authenticator?: Authenticator;
  /** Paths served without authentication (version documents). */
  public?: (url: string) => boolean;
  /** Identity endpoint named in 401 answers (`WWW-Authenticate: Keystone uri=…`), as keystonemiddleware does. */
  authUri?: string;
}

const PUBLIC = (url: string) => url === '/' || url === '/v2.0' || url === '/v2.0/';

export function buildServer(app: App, options: ServerOptions = {}): FastifyInstance {
  const authenticate = options.authenticator ?? noauthAuthenticator;
  const isPublic = options.public ?? PUBLIC;
  const server = Fastify({
    logger: false,
    // Neutron's max_request_body_size; parsing is bounded by it (and bulk size by max_bulk_items).
    bodyLimit: app.config.api.max_request_body_size,
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 1000 },
    // Neutron accepts a `.json` format suffix on every path (GET /v2.0/networks.json,
    // Tempest's /v2.0/quotas/{project}/details.json); JSON is the only format.
    rewriteUrl: (req) => (req.url ?? '/').replace(/\.json(?=\?|$)/, ''),
    genReqId: requestId,
  });
  // First, so that a 401 carries the request id too; logs and counts every answer.
  registerRequestLog(server, { listener: 'api', log: app.log, metrics: app.config.metrics.enabled, caller: (req) => req.ctx && { project_id: req.ctx.projectId, user_id: req.ctx.userId } });

  acceptJsonBodies(
    server,
    () => new NeutronError(400, 'HTTPBadRequest', 'Malformed request body'),
    () => new NeutronError(400, 'HTTPBadRequest', 'Invalid input: NUL characters are not allowed.'),
  );
  limitBodyTime(server, app.config.api.body_timeout, () => new NeutronError(408, 'HTTPRequestTimeout', 'The request body was not received in time.'));

  server.decorateRequest('ctx', null as unknown as RequestContext);
  server.addHook('onRequest', async (req, reply) => {
    const path = req.url.split('?')[0];
    if (urlHoldsNul(req.url)) throw new NeutronError(400, 'HTTPBadRequest', 'Invalid input: NUL characters are not allowed.');
    // Routes declared with `config: { public: true }` (the dashboard's static files) need no token either.
    const open = isPublic(path) || isHealthPath(path) || (req.routeOptions.config as { public?: boolean } | undefined)?.public === true;
    req.ctx = open ? { requestId: req.id, userId: null, projectId: null, roles: [], isAdmin: false } : await authenticate(req);
    req.ctx.requestId = req.id;
    // As in Neutron, the policy's context_is_admin rule also makes a caller admin.
    if (!req.ctx.isAdmin && req.ctx.roles.length && app.policy.enforce(req.ctx, 'context_is_admin', {})) req.ctx = { ...req.ctx, isAdmin: true };
  });

  server.setErrorHandler((err, req, reply) => {
    if (err instanceof NeutronError) {
      if (err.status === 408) reply.header('connection', 'close');
      if (err.status === 401 && options.authUri) reply.header('www-authenticate', `Keystone uri="${options.authUri}"`);
      return reply.code(err.status).send(err.toJSON());
    }
    const status = (err as { statusCode?: number }).statusCode;
    if (status && status >= 400 && status < 500) {
      const type = status === 413 ? 'HTTPRequestEntityTooLarge' : status === 408 ? 'HTTPRequestTimeout' : 'HTTPBadRequest';
      return reply.code(status).send(new NeutronError(status, type, (err as Error).message).toJSON());
    }
    if (isInvalidData(err)) {
      // The database refused a value as out of its type's range: the client's input, not a fault.
      return reply.code(400).send(new NeutronError(400, 'HTTPBadRequest', 'Invalid input: a value is out of range or not representable.').toJSON());
    }
    app.log.error({ err, url: req.url, method: req.method }, 'request failed');
    return reply.code(500).send(new NeutronError(500, 'HTTPInternalServerError', 'Request Failed: internal server error while processing your request.').toJSON());
  });
  server.setNotFoundHandler((req, reply) => {
    reply.code(404).send(new NeutronError(404, 'HTTPNotFound', `The resource could not be found.`).toJSON());
    void req;
  });

  registerHealthRoutes(server, () => readinessProblems(app.database));
  registerDiscoveryRoutes(server, app);
  registerDashboard(server, { authUri: options.authUri });
  registerFeatureRoutes(server, app);
  for (const service of app.services.all()) registerResourceRoutes(server, app, service);
  return server;
}
