// Health checks, on every listener and without a token, as oslo.middleware's healthcheck
// serves them: `GET /healthcheck` answers 200 `OK` while the process serves (liveness);
// `GET /healthcheck/ready` answers 200 `OK` only when the database answers and has every
// migration this code knows applied, else 503 with the reasons (readiness). Plain text by
// default; `Accept: application/json` gives `{"detailed": …, "reasons": [...]}`; HEAD gives
// the status only (204 when healthy, as oslo.middleware).
import { sql } from 'kysely';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Database } from '../../db/index.ts';
import { pendingMigrations } from '../../db/migrate.ts';

export const HEALTH_PATHS = new Set(['/healthcheck', '/healthcheck/ready']);

/** Seconds a readiness probe waits for the database before calling it unreachable. */
const DATABASE_TIMEOUT_MS = 5000;

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms / 1000} s`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

const describe = (err: unknown) => {
  const e = err as { code?: string; message?: string };
  return [e.code, e.message].filter(Boolean).join(' ') || String(err);
};

/** Databases of services that finished starting (listeners up, identity bootstrapped). */
const serving = new WeakSet<Database>();

/** Called once a service has completed its start: until then readiness answers 503 `starting`. */
export function markServing(database: Database): void {
  serving.add(database);
}

/** Reasons the service is not ready to serve (empty when ready). */
export async function readinessProblems(database: Database): Promise<string[]> {
  if (!serving.has(database)) return ['starting: the service has not finished starting'];
  try {
    await withTimeout(sql`select 1`.execute(database.db), DATABASE_TIMEOUT_MS, 'the database');
  } catch (err) {
    return [`database unreachable: ${describe(err)}`];
  }
  try {
    const pending = await withTimeout(pendingMigrations(database), DATABASE_TIMEOUT_MS, 'the database');
    if (pending.length) return [`${pending.length} database migration(s) pending: ${pending.join(', ')} (run: neutrino db upgrade)`];
  } catch (err) {
    return [`cannot read the migration state: ${describe(err)}`];
  }
  return [];
}

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

/** Registers `/healthcheck` and `/healthcheck/ready` (GET and HEAD) on a listener; callers must exempt HEALTH_PATHS from authentication. */
export function registerHealthRoutes(server: FastifyInstance, database: Database): void {
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
      const reasons = await readinessProblems(database);
      return answer(req, reply, reasons, { checks: { database: reasons.length ? 'FAIL' : 'OK' } });
    },
  });
}
