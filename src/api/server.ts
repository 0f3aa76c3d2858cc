// The HTTP server: Fastify with Neutron's conventions (JSON bodies, NeutronError
// rendering, request ids), authentication into a RequestContext, then the generic
// resource routes and the few special routes.
import Fastify, { type FastifyInstance } from 'fastify';
import type { App } from '../app.ts';
import { NeutronError } from './errors.ts';
import { noauthAuthenticator, type Authenticator, type RequestContext } from './context.ts';
import { registerResourceRoutes } from './resource-routes.ts';
import { registerDiscoveryRoutes } from './discovery.ts';
import { extraRoutes } from './routes/index.ts';
import { isInvalidData } from '../db/index.ts';

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

/** True when a string or key anywhere in a parsed JSON value holds a NUL character. */
function holdsNul(value: unknown): boolean {
  if (typeof value === 'string') return value.includes('\u0000');
  if (Array.isArray(value)) return value.some(holdsNul);
  if (value && typeof value === 'object') return Object.entries(value).some(([k, v]) => k.includes('\u0000') || holdsNul(v));
  return false;
}

/**
 * OpenStack services accept JSON with or without a content type, and empty bodies (DELETE):
 * every body is parsed as JSON; malformed ones fail with the service's own error, and so do
 * NUL characters (PostgreSQL cannot store them in text; no attribute takes them).
 */
export function acceptJsonBodies(server: FastifyInstance, malformed: () => Error, nul: () => Error = malformed): void {
  server.removeAllContentTypeParsers();
  server.addContentTypeParser('*', { parseAs: 'string' }, (_req, body, done) => {
    const text = (body as string).trim();
    if (!text) return done(null, undefined);
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      return done(malformed(), undefined);
    }
    // A NUL can only arrive escaped (JSON forbids raw control characters in strings).
    if (text.includes('\\u0000') && holdsNul(parsed)) return done(nul(), undefined);
    done(null, parsed);
  });
}

/**
 * Fails a body being read with err (the body parser answers it), once; a stream nobody
 * reads any more is just destroyed (an 'error' without listeners would crash the process).
 */
export function failBody(payload: NodeJS.ReadableStream & { destroy?: () => void }, err: Error): void {
  if (payload.listenerCount('error') > 1) payload.emit('error', err);
  else payload.destroy?.();
}

/** The request's raw URL holds an encoded NUL (`%00`). */
export const urlHoldsNul = (url: string) => /%00/.test(url);

/**
 * Cuts off a client that takes more than `seconds` to send its body (a trickling upload
 * would otherwise hold a connection and a parser for as long as it likes): the request
 * fails with `error()` (a 408) and the connection is closed after the answer.
 */
export function limitBodyTime(server: FastifyInstance, seconds: number, error: () => Error & { statusCode?: number }): void {
  if (!(seconds > 0)) return;
  server.addHook('preParsing', async (req, reply, payload) => {
    const timer = setTimeout(() => {
      reply.header('connection', 'close');
      const err = error();
      err.statusCode = 408;
      failBody(payload, err);
    }, seconds * 1000);
    const clear = () => clearTimeout(timer);
    payload.once('end', clear);
    payload.once('close', clear);
    payload.on('error', clear);
    void req;
    return payload;
  });
}

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
  });

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
    req.ctx = isPublic(path) ? { requestId: `req-${req.id}`, userId: null, projectId: null, roles: [], isAdmin: false } : await authenticate(req);
    // As in Neutron, the policy's context_is_admin rule also makes a caller admin.
    if (!req.ctx.isAdmin && req.ctx.roles.length && app.policy.enforce(req.ctx, 'context_is_admin', {})) req.ctx = { ...req.ctx, isAdmin: true };
    reply.header('x-openstack-request-id', req.ctx.requestId);
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

  registerDiscoveryRoutes(server, app);
  for (const register of extraRoutes) register(server, app);
  for (const service of app.services.all()) registerResourceRoutes(server, app, service);
  return server;
}
