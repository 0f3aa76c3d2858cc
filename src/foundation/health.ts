// Health checks, on every listener and without a token, as oslo.middleware's healthcheck
// serves them: `GET /healthcheck` answers 200 `OK` while the process serves (liveness);
// `GET /healthcheck/ready` answers 200 `OK` only when `ready()` finds no problem (the
// service passes db/readiness.ts: database reachable, migrations applied), else 503 with
// the reasons (readiness). Plain text by default; `Accept: application/json` gives
// `{"detailed": false, "reasons": [...]}`; HEAD gives the status only (204 when healthy).
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

export const HEALTH_PATHS = new Set(['/healthcheck', '/healthcheck/ready']);

/** Whether a request path (no query string) is a health check, which needs no token. */
export const isHealthPath = (path: string) => HEALTH_PATHS.has(path.replace(/\/+$/, ''));

function answer(req: FastifyRequest, reply: FastifyReply, reasons: string[], detail: Record<string, unknown>) {
  const ok = reasons.length === 0;
  reply.header('cache-control', 'no-store');
  if (req.method === 'HEAD') return reply.code(ok ? 204 : 503).send();
  const accept = req.headers.accept ?? '';
  if (/application\/json/i.test(accept)) {
    return reply.code(ok ? 200 : 503).type('application/json').send({ detailed: false, reasons: ok ? ['OK'] : reasons, ...detail });
  }
  return reply.code(ok ? 200 : 503).type('text/plain; charset=UTF-8').send(ok ? 'OK' : reasons.join('\n'));
}

/** Registers `/healthcheck` and `/healthcheck/ready` (GET and HEAD); callers must exempt isHealthPath from authentication. */
export function registerHealthRoutes(server: FastifyInstance, ready: () => Promise<string[]>): void {
  server.route({
    method: ['GET', 'HEAD'],
    url: '/healthcheck',
    exposeHeadRoute: false,
    handler: async (req, reply) => answer(req, reply, [], {}),
  });
  server.route({
    method: ['GET', 'HEAD'],
    url: '/healthcheck/ready',
    exposeHeadRoute: false,
    handler: async (req, reply) => {
      const reasons = await ready();
      return answer(req, reply, reasons, { checks: { database: reasons.length ? 'FAIL' : 'OK' } });
    },
  });
}
