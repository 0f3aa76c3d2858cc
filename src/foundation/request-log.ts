// Request ids, the request log and the request metrics, for every Fastify listener of the
// service (Networking API, identity). One structured log line per answered request:
// request id, listener, method, path (no query string), route pattern, status, duration,
// project and user. Never headers or bodies, so tokens and passwords never reach the log.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { httpRequestDuration } from './metrics.ts';

/** A request id as oslo.middleware makes and accepts them: `req-` and a UUID. */
const REQUEST_ID = /^req-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Fastify's `genReqId`: the caller's `X-OpenStack-Request-ID` when well-formed (tracing a
 * request across services), else a new `req-<uuid>`.
 */
export function requestId(req: IncomingMessage): string {
  const given = req.headers['x-openstack-request-id'];
  const id = Array.isArray(given) ? given[0] : given;
  return id && REQUEST_ID.test(id) ? id.toLowerCase() : `req-${randomUUID()}`;
}

export interface RequestLogOptions {
  /** `api` or `identity`: a label of the log line and the metrics. */
  listener: string;
  log: Logger;
  /** The caller as far as authentication got (nothing for an anonymous or rejected request). */
  caller?: (req: FastifyRequest) => { project_id?: string | null; user_id?: string | null } | null | undefined;
  /** Observe each request in the latency histogram (only when metrics are served: `metrics.enabled`). */
  metrics: boolean;
}

/**
 * Registers first (before authentication) so that every answer, a 401 included, carries
 * `x-openstack-request-id`, and every answer is logged and counted once.
 */
export function registerRequestLog(server: FastifyInstance, options: RequestLogOptions): void {
  const { listener, log, metrics } = options;
  // Callback-style hooks: every request runs them, and an async hook costs a promise each.
  server.addHook('onRequest', (req, reply, done) => {
    reply.header('x-openstack-request-id', req.id);
    done();
  });
  // Nothing to do per answer unless someone reads the histogram or the info log.
  if (!metrics && !log.isLevelEnabled('info')) return;
  server.addHook('onResponse', (req, reply, done) => {
    answered(req, reply.statusCode, reply.elapsedTime);
    done();
  });
  const answered = (req: FastifyRequest, status: number, elapsedMs: number) => {
    const route = req.routeOptions.url ?? 'unmatched';
    if (metrics) httpRequestDuration.observe({ listener, method: req.method, route, status }, elapsedMs / 1000);
    if (!log.isLevelEnabled('info')) return;
    const q = req.url.indexOf('?');
    const who = options.caller?.(req);
    log.info(
      {
        req_id: req.id,
        listener,
        method: req.method,
        path: q < 0 ? req.url : req.url.slice(0, q),
        route,
        status,
        duration_ms: Math.round(elapsedMs * 100) / 100,
        project_id: who?.project_id ?? null,
        user_id: who?.user_id ?? null,
      },
      'request',
    );
  };
}
