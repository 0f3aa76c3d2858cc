// Readiness of the database for serving: it answers, it has every migration this code
// knows applied, and the service using it finished starting. Served by
// /healthcheck/ready (foundation/health.ts) on every listener.
import { sql } from 'kysely';
import type { Database } from './index.ts';
import { pendingMigrations } from './migrate.ts';

/** How long a readiness probe waits for the database before calling it unreachable. */
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
    // The migrations the database was opened with (every feature's): none known, none pending.
    const pending = database.migrations ? await withTimeout(pendingMigrations(database, database.migrations), DATABASE_TIMEOUT_MS, 'the database') : [];
    if (pending.length) return [`${pending.length} database migration(s) pending: ${pending.join(', ')} (run: neutrino db upgrade)`];
  } catch (err) {
    return [`cannot read the migration state: ${describe(err)}`];
  }
  return [];
}
