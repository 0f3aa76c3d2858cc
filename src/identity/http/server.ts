// The embedded identity's HTTP server (Keystone v3 subset) on its own listener: JSON
// bodies, Keystone error bodies, and the caller's token (X-Auth-Token) resolved once per
// request for the routes' authorization checks.
import Fastify, { type FastifyInstance } from 'fastify';
import { identityUrl } from '../../config/index.ts';
import { acceptJsonBodies } from '../../foundation/http.ts';
import { requestId, registerRequestLog } from '../../foundation/request-log.ts';
import { registerHealthRoutes } from '../../foundation/health.ts';
import { readinessProblems } from '../../db/readiness.ts';
import type { Identity } from '../identity.ts';
import { KeystoneError, validationError } from '../errors.ts';
import { Renderer } from './render.ts';
import { Guard, type RouteContext } from './route-context.ts';
import { registerAuthRoutes } from './auth-routes.ts';
import { registerDirectoryRoutes } from './directory-routes.ts';
import { registerAssignmentRoutes } from './assignment-routes.ts';
import { registerDiscoveryRoutes } from './discovery-routes.ts';

export function buildIdentityServer(identity: Identity): FastifyInstance {
  const server = Fastify({ logger: false, routerOptions: { ignoreTrailingSlash: true, maxParamLength: 1000 }, genReqId: requestId });
  registerRequestLog(server, { listener: 'identity', log: identity.app.log, caller: (req) => req.caller && { project_id: req.caller.project?.id ?? null, user_id: req.caller.user.id } });
  const ctx: RouteContext = { identity, render: new Renderer(() => identityUrl(identity.app.config)), guard: new Guard() };

  acceptJsonBodies(server, () => validationError('Malformed JSON in request body.'));

  server.decorateRequest('caller', null);
  server.addHook('onRequest', async (req) => {
    const header = req.headers['x-auth-token'];
    const token = Array.isArray(header) ? header[0] : header;
    req.caller = token ? await identity.tokens.validate(identity.db, token) : null;
  });

  server.setErrorHandler((err, req, reply) => {
    if (err instanceof KeystoneError) return reply.code(err.status).send(err.toJSON());
    const status = (err as { statusCode?: number }).statusCode;
    if (status && status >= 400 && status < 500) return reply.code(status).send(new KeystoneError(status, (err as Error).message).toJSON());
    identity.app.log.error({ err, url: req.url, method: req.method }, 'identity request failed');
    return reply.code(500).send(new KeystoneError(500, 'An unexpected error prevented the server from fulfilling your request.').toJSON());
  });
  server.setNotFoundHandler((_req, reply) => reply.code(404).send(new KeystoneError(404, 'The resource could not be found.').toJSON()));

  registerHealthRoutes(server, () => readinessProblems(identity.app.database));
  registerDiscoveryRoutes(server, ctx);
  registerAuthRoutes(server, ctx);
  registerDirectoryRoutes(server, ctx);
  registerAssignmentRoutes(server, ctx);
  return server;
}
