// Database access: Kysely over better-sqlite3 (embedded default) or pg (scale-out).
// The rest of the code sees one `Database` object: a Kysely handle, the dialect name,
// `transaction()` with retries on PostgreSQL serialization failures, and row locking that
// is a no-op on SQLite (whose single connection already serializes every transaction).
import fs from 'node:fs';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import pg from 'pg';
import { Kysely, PostgresDialect, SqliteAdapter, SqliteDialect, sql, type DialectAdapter, type Migration, type Transaction } from 'kysely';
import { migrateToLatest } from './migrate.ts';
import { ARRAY_ROWS, directSqlite, PreparedQueries, statementNames, type Dialect, type SqliteHandle } from './prepared.ts';
import { dbLockWait, dbTransactionRetries } from '../foundation/metrics.ts';

// PostgreSQL returns int8/numeric as strings by default; our counts fit in a JS number.
pg.types.setTypeParser(20, (v) => Number(v));

export type { Dialect };
// Tables are created by migrations and addressed by name from resource definitions,
// so the generic layer works with an untyped schema.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Db = Kysely<any>;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Tx = Transaction<any> | Kysely<any>;

export class Database {
  /** The schema's migrations this database was opened with (readiness reports pending ones). */
  migrations?: Record<string, Migration>;
  /** Hot statements compiled once per shape (prepared.ts); keys name their tables. */
  readonly prepared: PreparedQueries;

  constructor(
    readonly db: Db,
    readonly dialect: Dialect,
    /** SQLite: the connection, on which a running transaction's prepared statements run directly (prepared.ts). */
    private readonly sqlite?: SqliteHandle,
  ) {
    this.prepared = new PreparedQueries(dialect);
  }

  /**
   * Runs fn in one transaction. On PostgreSQL, serialization failures and deadlocks
   * (and unique-key races that the caller marks retryable) are retried a few times
   * with jitter, so concurrent clients see success, never a 500.
   */
  async transaction<T>(fn: (trx: Transaction<any>) => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.db.transaction().execute(async (trx) => {
          if (!this.sqlite) return fn(trx);
          directSqlite.set(trx, this.sqlite);
          try {
            return await fn(trx);
          } finally {
            directSqlite.delete(trx);
          }
        });
      } catch (err) {
        if (attempt < 8 && isRetryable(err)) {
          dbTransactionRetries.inc({ dialect: this.dialect, reason: retryReason(err) });
          await new Promise((r) => setTimeout(r, Math.random() * 5 * (attempt + 1)));
          continue;
        }
        throw err;
      }
    }
  }

  /** Locks rows for the rest of the transaction (PostgreSQL); SQLite is already serialized. */
  async lock(trx: Tx, table: string, column: string, value: string): Promise<void> {
    if (this.dialect !== 'postgres') return;
    const start = performance.now();
    await sql`select 1 from ${sql.table(table)} where ${sql.ref(column)} = ${value} for update`.execute(trx);
    dbLockWait.observe({ dialect: this.dialect, kind: 'row' }, (performance.now() - start) / 1000);
  }

  /**
   * A lock on an arbitrary key for the rest of the transaction (quota counting, default
   * security group creation). PostgreSQL: a transaction-scoped advisory lock.
   */
  async lockKey(trx: Tx, key: string): Promise<void> {
    if (this.dialect !== 'postgres') return;
    const start = performance.now();
    await sql`select pg_advisory_xact_lock(hashtextextended(${key}, 0))`.execute(trx);
    dbLockWait.observe({ dialect: this.dialect, kind: 'key' }, (performance.now() - start) / 1000);
  }

  async close(): Promise<void> {
    await this.db.destroy();
  }
}

/** Marks an error so that Database.transaction retries the whole transaction. */
export class RetryTransaction extends Error {}

function isRetryable(err: unknown): boolean {
  if (err instanceof RetryTransaction) return true;
  const code = (err as { code?: string })?.code;
  return code === '40001' || code === '40P01' || code === 'SQLITE_BUSY';
}

function retryReason(err: unknown): string {
  if (err instanceof RetryTransaction) return 'marked';
  const code = (err as { code?: string })?.code;
  return code === '40001' ? 'serialization' : code === '40P01' ? 'deadlock' : 'busy';
}

export function isUniqueViolation(err: unknown): boolean {
  const code = (err as { code?: string })?.code;
  return code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}

/**
 * The database refused a value as not representable in its column (PostgreSQL data
 * exceptions: a number out of range, a string too long, bytes not valid in the encoding,
 * malformed text for a typed column). Validation should reject these first; this is the
 * net under it, so such input answers 400 and not 500.
 */
export function isInvalidData(err: unknown): boolean {
  const code = (err as { code?: string })?.code;
  return code === '22001' || code === '22003' || code === '22021' || code === '22P02' || code === '22P05' || code === '54000' || code === 'SQLITE_TOOBIG';
}

export function isForeignKeyViolation(err: unknown): boolean {
  const code = (err as { code?: string })?.code;
  return code === '23503' || code === 'SQLITE_CONSTRAINT_FOREIGNKEY';
}

function dialectOf(url: string): Dialect {
  if (url.startsWith('sqlite:')) return 'sqlite';
  if (/^postgres(ql)?:\/\//.test(url)) return 'postgres';
  throw new Error(`unsupported database url ${url}: use sqlite:<path> or postgres://…`);
}

/**
 * Whether selects marked with ARRAY_ROWS (PreparedQueries.arrays) answer their rows as
 * arrays on this dialect. SQLite: better-sqlite3 builds a row array in about half the CPU
 * of a row object (30 columns: ~4.5 against ~9 µs), which lists of thousands of rows feel.
 * PostgreSQL's driver answers objects, as before.
 */
export const rowsAsArrays = (dialect: Dialect): boolean => dialect === 'sqlite';

/**
 * Kysely prepares every query anew; better-sqlite3 statements can be reused, and the
 * API issues the same few hundred SQL texts over and over. A bounded cache by SQL text.
 * A text marked ARRAY_ROWS gets a statement in raw mode (rows as arrays), its own since
 * the mark is part of the text.
 */
function cachePreparedStatements(sqlite: SQLite.Database): void {
  const cache = new Map<string, SQLite.Statement>();
  const prepare = sqlite.prepare.bind(sqlite);
  sqlite.prepare = ((source: string) => {
    let stmt = cache.get(source);
    if (!stmt) {
      stmt = prepare(source);
      if (source.startsWith(ARRAY_ROWS)) stmt.raw(true);
      if (cache.size >= 1000) cache.clear();
      cache.set(source, stmt);
    }
    return stmt;
  }) as typeof sqlite.prepare;
}

/**
 * A pg client that runs the SQL texts of PreparedQueries' shapes (statementNames) as named
 * prepared statements: pg parses one once per connection and then only binds and executes
 * it, and PostgreSQL keeps its plan. Kysely passes a query as (text, values); anything else
 * (transaction control, one-off queries) runs as before.
 */
class PreparingClient extends pg.Client {}
PreparingClient.prototype.query = function (this: pg.Client, config: unknown, values?: unknown, callback?: unknown) {
  const query = pg.Client.prototype.query as (...args: unknown[]) => unknown;
  const name = typeof config === 'string' && Array.isArray(values) && callback === undefined ? statementNames.get(config) : undefined;
  return name ? query.call(this, { name, text: config, values }) : query.call(this, config, values, callback);
} as typeof pg.Client.prototype.query;

/**
 * SQLite runs DDL inside transactions; Kysely's adapter just does not claim it. Claiming it
 * makes the migrator run pending migrations and their bookkeeping in one transaction, so a
 * crash (kill -9) mid-migration leaves the previous schema, never half of a new one.
 */
class TransactionalDdlSqliteAdapter extends SqliteAdapter {
  override get supportsTransactionalDdl(): boolean {
    return true;
  }
}

class NeutrinoSqliteDialect extends SqliteDialect {
  override createAdapter(): DialectAdapter {
    return new TransactionalDdlSqliteAdapter();
  }
}

/**
 * Opens the database named by url and, given the schema's migrations (every feature's,
 * gathered by the composition root), brings it to the latest one.
 */
export async function openDatabase(
  url: string,
  options: { poolSize?: number; migrate?: boolean; migrations?: Record<string, Migration>; preparedStatements?: boolean } = {},
): Promise<Database> {
  const dialect = dialectOf(url);
  let db: Db | undefined;
  let handle: SqliteHandle | undefined;
  try {
    if (dialect === 'sqlite') {
      const file = sqliteFile(url);
      if (file !== ':memory:') fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
      const sqlite = new SQLite(file);
      sqlite.pragma('journal_mode = WAL');
      sqlite.pragma('synchronous = NORMAL');
      sqlite.pragma(`wal_autocheckpoint = ${WAL_CHECKPOINT_FRAMES}`);
      sqlite.pragma('foreign_keys = ON');
      sqlite.pragma('busy_timeout = 10000');
      cachePreparedStatements(sqlite);
      handle = sqlite;
      db = new Kysely({ dialect: new NeutrinoSqliteDialect({ database: sqlite }) });
    } else {
      // Named statements need a session per client: a pooler in transaction mode that does not track them (PgBouncer before 1.21) wants preparedStatements off.
      const pool = new pg.Pool({ connectionString: url, max: options.poolSize ?? 10, Client: options.preparedStatements === false ? pg.Client : PreparingClient });
      // A connection the server drops (restart, network loss) emits 'error' on its client,
      // idle or checked out; pg-pool listens only while a client is idle and Kysely never
      // does, so without these listeners the process would crash. The query in flight
      // fails with its own error, the pool discards the broken client, the next query
      // reconnects, and /healthcheck/ready reports the database unreachable meanwhile.
      pool.on('error', () => {});
      pool.on('connect', (client) => client.on('error', () => {}));
      db = new Kysely({ dialect: new PostgresDialect({ pool }) });
    }
    const database = new Database(db, dialect, handle);
    database.migrations = options.migrations;
    if (options.migrations && options.migrate !== false) await migrateToLatest(database, options.migrations);
    return database;
  } catch (err) {
    await db?.destroy().catch(() => {});
    throw new DatabaseOpenError(url, err);
  }
}

/**
 * WAL frames (4 KiB pages) after which a commit checkpoints them into the database file.
 * SQLite's default, 1,000, made every ~65th port delete (~15 frames each) copy ~1,000 pages
 * and fsync twice inside its commit, on the server's only thread: ~45 µs per write request.
 * At 10,000 the pages that every request rewrites (an index's last leaf, the change feed's)
 * are copied once per checkpoint instead of ten times, for a WAL of at most ~40 MiB.
 */
const WAL_CHECKPOINT_FRAMES = 10_000;

const sqliteFile = (url: string) => url.slice('sqlite:'.length).replace(/^\/\//, '') || ':memory:';

/** The database could not be opened or migrated; the message names it (never its password) and the cause. */
export class DatabaseOpenError extends Error {
  constructor(url: string, cause: unknown) {
    const e = cause as { code?: string; message?: string };
    const why = [e?.code, e?.message].filter(Boolean).join(': ') || String(cause);
    let what: string;
    if (dialectOf(url) === 'sqlite') {
      const file = sqliteFile(url);
      what = `the SQLite database ${file === ':memory:' ? file : path.resolve(file)}`;
    } else {
      const u = new URL(url);
      what = `the PostgreSQL database ${u.pathname.slice(1) || '(default)'} at ${u.hostname || 'localhost'}:${u.port || 5432}${u.username ? ` as ${decodeURIComponent(u.username)}` : ''}`;
    }
    super(`cannot open ${what}: ${why}`, { cause });
  }
}
