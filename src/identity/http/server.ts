// The embedded identity's HTTP server (Keystone v3 subset) on its own listener: JSON
// bodies, Keystone error bodies, and the caller's token (X-Auth-Token) resolved once per
// request for the routes' authorization checks. A caller without a valid token can only
// log in, so its body is bounded by auth.max_unauthenticated_body_size.
import Fastify, { type FastifyInstance } from 'fastify';
import { identityUrl } from '../../config/index.ts';
import { acceptJsonBodies, failBody, limitBodyTime, urlHoldsNul } from '../../foundation/http.ts';
import { isInvalidData } from '../../db/index.ts';
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

declare module 'fastify' {
  interface FastifyRequest {
    /** Body size allowed to a caller without a valid token, or 0. */
    unauthenticatedLimit: number;
  }
}

export function buildIdentityServer(identity: Identity): FastifyInstance {
  const { config } = identity.app;
  const server = Fastify({ logger: false, bodyLimit: config.api.max_request_body_size, routerOptions: { ignoreTrailingSlash: true, maxParamLength: 1000 }, genReqId: requestId });
  registerRequestLog(server, { listener: 'identity', log: identity.app.log, metrics: config.metrics.enabled, caller: (req) => req.caller && { project_id: req.caller.project?.id ?? null, user_id: req.caller.user.id } });
  const ctx: RouteContext = { identity, render: new Renderer(() => identityUrl(identity.app.config)), guard: new Guard() };

  acceptJsonBodies(
    server,
    () => validationError('Malformed JSON in request body.'),
    () => validationError('Invalid input: NUL characters are not allowed.'),
  );
  limitBodyTime(server, config.api.body_timeout, () => new KeystoneError(408, 'The request body was not received in time.'));

  server.decorateRequest('caller', null);
  server.decorateRequest('unauthenticatedLimit', 0);
  server.addHook('onRequest', async (req) => {
    const header = req.headers['x-auth-token'];
    const token = Array.isArray(header) ? header[0] : header;
    if (urlHoldsNul(req.url)) throw validationError('Invalid input: NUL characters are not allowed.');
    req.caller = token ? await identity.tokens.validate(identity.db, token) : null;
    // A caller without a valid token can only log in: its body is read only that far.
    if (!req.caller) {
      const length = Number(req.headers['content-length'] ?? 0);
      const max = config.auth.max_unauthenticated_body_size;
      req.unauthenticatedLimit = max;
      if (length > max) throw new KeystoneError(413, `Request body of ${length} bytes is larger than the ${max} bytes accepted without a token.`);
    }
  });
  // Bodies sent without a length (chunked) are counted as they arrive.
  server.addHook('preParsing', async (req, _reply, payload) => {
    const max = req.unauthenticatedLimit;
    if (!max) return payload;
    let seen = 0;
    const count = (chunk: Buffer) => {
      seen += chunk.length;
      if (seen <= max) return;
      payload.removeListener('data', count);
      failBody(payload, Object.assign(new KeystoneError(413, `Request body is larger than the ${max} bytes accepted without a token.`), { statusCode: 413 }));
    };
    payload.on('data', count);
    payload.on('error', () => undefined);
    return payload;
  });

  server.setErrorHandler((err, req, reply) => {
    const retryAfter = (err as { retryAfter?: number }).retryAfter;
    if (retryAfter) reply.header('retry-after', String(retryAfter));
    if (err instanceof KeystoneError) {
      if (err.status === 408 || err.status === 413) reply.header('connection', 'close');
      return reply.code(err.status).send(err.toJSON());
    }
    const status = (err as { statusCode?: number }).statusCode;
    if (status && status >= 400 && status < 500) return reply.code(status).send(new KeystoneError(status, (err as Error).message).toJSON());
    if (isInvalidData(err)) return reply.code(400).send(validationError('Invalid input: a value is out of range or not representable.').toJSON());
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
