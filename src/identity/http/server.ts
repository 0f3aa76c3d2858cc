// The embedded identity's HTTP server (Keystone v3 subset) on its own listener: JSON
// bodies, Keystone error bodies, and the caller's token (X-Auth-Token) resolved once per
// request for the routes' authorization checks.
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify';
import { identityUrl } from '../../config/index.ts';
import { acceptJsonBodies } from '../../api/server.ts';
import { requestId, registerRequestLog } from '../../api/observability/request-log.ts';
import { registerHealthRoutes } from '../../api/observability/health.ts';
import type { Identity } from '../identity.ts';
import { forbidden, KeystoneError, unauthorized, validationError } from '../errors.ts';
import type { ValidToken } from '../tokens.ts';
import { Renderer } from './render.ts';
import { registerAuthRoutes } from './auth-routes.ts';
import { registerDirectoryRoutes } from './directory-routes.ts';
import { registerAssignmentRoutes } from './assignment-routes.ts';
import { registerDiscoveryRoutes } from './discovery-routes.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** The caller's valid token, or null (none given or invalid). */
    caller: ValidToken | null;
  }
}

/** Authorization checks shared by the identity routes (Keystone's legacy admin_required rules). */
export class Guard {
  /** The caller's token; 401 without a valid one. */
  token(req: FastifyRequest): ValidToken {
    if (!req.caller) throw unauthorized();
    return req.caller;
  }

  isAdmin(t: ValidToken): boolean {
    return t.roles.some((r) => r.name === 'admin');
  }

  /** The caller, who must hold the admin role (or pass `alsoAllowed`); 403 otherwise. */
  admin(req: FastifyRequest, action: string, alsoAllowed?: (t: ValidToken) => boolean): ValidToken {
    const t = this.token(req);
    if (!this.isAdmin(t) && !alsoAllowed?.(t)) throw forbidden(`identity:${action}`);
    return t;
  }
}

export interface RouteContext {
  identity: Identity;
  render: Renderer;
  guard: Guard;
}

/** The body's member object (`{"project": {...}}` → {...}); 400 when missing. */
export function member(req: FastifyRequest, name: string): Record<string, any> {
  const body = req.body as Record<string, unknown> | undefined;
  const value = body?.[name];
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw validationError(`Invalid input for field '${name}': '${name}' is a required property.`);
  return value as Record<string, any>;
}

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

  registerHealthRoutes(server, identity.app.database);
  registerDiscoveryRoutes(server, ctx);
  registerAuthRoutes(server, ctx);
  registerDirectoryRoutes(server, ctx);
  registerAssignmentRoutes(server, ctx);
  return server;
}
