// The durable change feed: every committed create/update/delete (and status report) of a
// resource is one row of `changes`, whose integer cursor grows in commit order, so a
// watcher that remembers the last cursor it processed misses nothing and sees nothing twice.
//
// - While a transaction runs, services record changes in memory (record(); collapsed per
//   object, see pending.ts). At its end, inside the transaction, flush() reads each changed
//   object's revision/project/host and writes one multi-row insert. SQLite serializes
//   transactions, so cursors become visible in order.
// - On PostgreSQL, writers of several API servers commit concurrently, so a cursor can
//   become visible before a smaller one does. Drawing a cursor takes a transaction-scoped
//   advisory lock dedicated to the feed in SHARED mode (the cursor column's default,
//   migration 0110; writers never wait for each other); a reader first takes it EXCLUSIVELY
//   for one statement (safeHead): that waits for every writer holding a cursor, so every
//   cursor up to the newest it then sees is final, and it reads only up to there. (An
//   exclusive writer lock held through commit made every write transaction of the database
//   wait for the previous one's commit.)
// - Wake-ups: in-process after commit (committed()), PostgreSQL NOTIFY to every server
//   LISTENing (sent after commit, coalesced: a NOTIFY inside the transaction would hold
//   PostgreSQL's notification queue lock through the commit), and a slow poll.
// - Retention: compact() deletes rows older than retention_seconds or more than max_rows
//   cursors behind the head (never the newest row), and records the horizon; a reader behind
//   it must relist.
import pg from 'pg';
import { CompiledQuery, sql, type Selectable } from 'kysely';
import type { Logger } from 'pino';
import type { Database, Tx } from '../db/index.ts';
import { executeCompiled, statementNames } from '../db/prepared.ts';
import { PendingChanges, type Before, type ChangeKind } from './pending.ts';
import { Wakeup } from './wakeup.ts';
import { feedTables, type ChangesTable } from './schema.ts';

export type { ChangeKind, Before };

/** What the feed needs to know of a resource to describe its changes. */
export interface FeedResource {
  collection: string;
  table: string;
  hasRevision: boolean;
  hasProject: boolean;
  /** Attribute and column holding the host the object is bound to (ports: binding:host_id), if any. */
  hostAttribute?: string;
  hostColumn?: string;
  /** Children a foreign-key cascade deletes with it: their collection and the column holding its id. */
  cascades?: { resource: string; column: string }[];
}

export interface FeedOptions {
  /** Rows older than this are compacted away. */
  retention_seconds: number;
  /** At most this many cursors are kept behind the head. */
  max_rows: number;
  /** How often each server compacts (0: never). */
  compact_seconds: number;
  /** Watchers re-read the feed at least this often, whatever wake-ups were missed. */
  poll_seconds: number;
}

/** One row of the feed as stored. */
export type ChangeRow = Selectable<ChangesTable>;

export interface ReadFilter {
  /** Collection names; all when absent. */
  resources?: string[];
  /** Rows about this host, its previous host, or no host at all (networks, subnets...). */
  host?: string;
  limit: number;
}

/** A watcher's cursor is older than the oldest change kept: it must list again. */
export class ResyncRequired extends Error {
  constructor(
    readonly since: number,
    readonly horizon: number,
  ) {
    super(`cursor ${since} is older than the oldest retained change (changes up to ${horizon} were compacted)`);
  }
}

const NOTIFY_CHANNEL = 'neutrino_changes';
/** The feed's advisory lock (PostgreSQL): also named by migration 0110, which takes it when a cursor is drawn. */
const FEED_LOCK = 'neutrino:changes';
const INSERT_CHUNK = 500;
const INSERT_COLUMNS = ['resource', 'resource_id', 'revision', 'project_id', 'kind', 'host', 'previous_host', 'created_at'] as const;

/** Resources whose realization backends report (reconcile lag is measured for them). */
const TIMED_RESOURCES = new Set(['ports', 'routers', 'floatingips']);
const COMMIT_TIMES_KEPT = 20_000;

export class ChangeFeed {
  readonly wakeup = new Wakeup();
  private readonly pending = new WeakMap<object, PendingChanges>();
  private timers: NodeJS.Timeout[] = [];
  private listener?: pg.Client;
  private stopped = false;
  private warned = new Set<string>();
  /**
   * When this server wrote each recent revision of a reportable object (`resource id revision`
   * → ms), for the reconcile-lag metric; the oldest are forgotten beyond COMMIT_TIMES_KEPT.
   */
  private readonly commitTimes = new Map<string, number>();

  constructor(
    private readonly database: Database,
    private readonly resources: (collection: string) => FeedResource | undefined,
    readonly options: FeedOptions,
    private readonly log: Logger,
    /** PostgreSQL URL for the LISTEN connection. */
    private readonly url?: string,
  ) {}

  // ------------------------------------------------------------------ writing

  /** Starts collecting the changes of a transaction (App.transact). */
  begin(trx: object): void {
    this.pending.set(trx, new PendingChanges());
  }

  /** Records a change of an object in trx; written when the transaction ends. */
  record(trx: Tx, resource: string, id: string, kind: ChangeKind, before?: Before, after?: Before): void {
    const pending = this.pending.get(trx);
    if (pending) return pending.record({ resource, id, kind, before, after });
    if (!this.warned.has(resource)) {
      this.warned.add(resource);
      this.log.warn({ resource, kind }, 'change outside App.transact not recorded in the change feed');
    }
  }

  /** An object's state before it changes, as the feed needs it (from a stored item). */
  before(resource: string, item: Record<string, any>): Before {
    const hostAttr = this.resources(resource)?.hostAttribute;
    return {
      revision: typeof item.revision_number === 'number' ? item.revision_number : 0,
      projectId: item.project_id ?? null,
      host: hostAttr ? (item[hostAttr] ?? '') : null,
    };
  }

  /** The columns rowState() reads (for a RETURNING clause or a select). */
  stateColumns(resource: string): string[] {
    const r = this.resources(resource);
    return r ? this.columns(r) : ['id'];
  }

  /** An object's state from its row (columns as stateColumns names them). */
  rowState(resource: string, row: Record<string, any>): Before {
    const r = this.resources(resource);
    return r ? this.rowBefore(r, row) : { revision: 0, projectId: null, host: null };
  }

  /** Records the deletion of rows already deleted (read with RETURNING stateColumns()). */
  recordDeletedRows(trx: Tx, resource: string, rows: Record<string, any>[]): void {
    for (const row of rows) this.record(trx, resource, row.id, 'deleted', this.rowState(resource, row));
  }

  /** Records the deletion of the rows of resource matching where (column → value), deleted by SQL or cascade. */
  async recordDeletesWhere(trx: Tx, resource: string, where: Record<string, string>): Promise<void> {
    const r = this.resources(resource);
    if (!r || !this.pending.get(trx)) return;
    let q = trx.selectFrom(r.table).select(this.columns(r));
    for (const [column, value] of Object.entries(where)) q = q.where(column, '=', value);
    const rows = await q.execute();
    this.recordDeletedRows(trx, resource, rows);
  }

  /**
   * Records the deletion of the children a database cascade deletes with an object
   * (FeedResource.cascades, declared by features). Called when the delete starts; a refused delete rolls back the
   * records with the transaction.
   */
  async recordCascadedDeletes(trx: Tx, resource: string, id: string): Promise<void> {
    for (const child of this.resources(resource)?.cascades ?? []) await this.recordDeletesWhere(trx, child.resource, { [child.column]: id });
  }

  private columns(r: FeedResource): string[] {
    const cols = ['id'];
    if (r.hasRevision) cols.push('revision_number');
    if (r.hasProject) cols.push('project_id');
    if (r.hostColumn) cols.push(r.hostColumn);
    return cols;
  }

  private rowBefore(r: FeedResource, row: Record<string, any>): Before {
    return { revision: r.hasRevision ? Number(row.revision_number) : 0, projectId: r.hasProject ? (row.project_id ?? null) : null, host: r.hostColumn ? (row[r.hostColumn] ?? '') : null };
  }

  /**
   * Writes the changes recorded in trx (at its end, inside it). Returns whether any were
   * written, so that the caller wakes watchers once the transaction has committed.
   */
  async flush(trx: Tx): Promise<boolean> {
    const pending = this.pending.get(trx);
    if (!pending || pending.size === 0) return false;
    const changes = pending.list();
    // The state after the transaction of every object not deleted, one query per table.
    const current = new Map<string, Record<string, any>>();
    const byResource = new Map<string, string[]>();
    for (const c of changes) if (c.kind !== 'deleted' && !c.after) byResource.set(c.resource, [...(byResource.get(c.resource) ?? []), c.id]);
    for (const [resource, ids] of byResource) {
      const r = this.resources(resource);
      if (!r) continue;
      for (let i = 0; i < ids.length; i += INSERT_CHUNK) {
        const rows = await trx.selectFrom(r.table).select(this.columns(r)).where('id', 'in', ids.slice(i, i + INSERT_CHUNK)).execute();
        for (const row of rows) current.set(`${resource}\u0000${row.id}`, row);
      }
    }
    const at = new Date().toISOString();
    const rows: Omit<ChangeRow, 'cursor'>[] = [];
    for (const c of changes) {
      const r = this.resources(c.resource);
      if (!r) continue;
      const row = c.kind === 'deleted' ? undefined : c.after ?? current.get(`${c.resource}\u0000${c.id}`);
      if (!row) {
        // Deleted (or, for a change recorded without its deletion, gone): its last state + 1.
        if (c.kind === 'created') continue;
        const b = c.before;
        rows.push({ resource: c.resource, resource_id: c.id, revision: b ? b.revision + 1 : 0, project_id: b?.projectId ?? null, kind: 'deleted', host: b?.host ?? null, previous_host: null, created_at: at });
        continue;
      }
      const now = c.after ?? this.rowBefore(r, row as Record<string, any>);
      const previous = c.before && r.hostColumn && c.before.host !== now.host ? c.before.host : null;
      rows.push({ resource: c.resource, resource_id: c.id, revision: now.revision, project_id: now.projectId, kind: c.kind, host: now.host, previous_host: previous, created_at: at });
      if (c.kind !== 'status' && TIMED_RESOURCES.has(c.resource)) this.rememberCommit(c.resource, c.id, now.revision, Date.parse(at));
    }
    if (rows.length === 0) return false;
    // On PostgreSQL drawing a cursor takes the feed lock (shared) until commit: the cursor
    // column's default, migration 0110. safeHead waits for it.
    for (let i = 0; i < rows.length; i += INSERT_CHUNK) {
      const insert = this.insertQuery(rows.slice(i, i + INSERT_CHUNK));
      await executeCompiled(trx, insert.sql, insert.parameters);
    }
    return true;
  }

  private rememberCommit(resource: string, id: string, revision: number, at: number): void {
    const key = `${resource} ${id} ${revision}`;
    this.commitTimes.delete(key);
    this.commitTimes.set(key, at);
    if (this.commitTimes.size > COMMIT_TIMES_KEPT) this.commitTimes.delete(this.commitTimes.keys().next().value!);
  }

  /** When this server wrote that revision (ms since the epoch), if it did recently. */
  committedAt(resource: string, id: string, revision: number): number | undefined {
    return this.commitTimes.get(`${resource} ${id} ${revision}`);
  }

  /** SQL texts of multi-row inserts by row count: every write transaction runs one, so it skips the query builder. */
  private readonly insertSql = new Map<number, string>();

  private insertQuery(rows: Omit<ChangeRow, 'cursor'>[]): CompiledQuery {
    let text = this.insertSql.get(rows.length);
    if (!text) {
      const pg = this.database.dialect === 'postgres';
      const tuples = rows.map((_, r) => `(${INSERT_COLUMNS.map((_, c) => (pg ? `$${r * INSERT_COLUMNS.length + c + 1}` : '?')).join(', ')})`);
      text = `insert into changes (${INSERT_COLUMNS.join(', ')}) values ${tuples.join(', ')}`;
      if (this.insertSql.size < 64) {
        this.insertSql.set(rows.length, text);
        statementNames.add(text); // a prepared statement on PostgreSQL (db/prepared.ts)
      }
    }
    const params: unknown[] = [];
    for (const row of rows) for (const c of INSERT_COLUMNS) params.push(row[c]);
    return CompiledQuery.raw(text, params);
  }

  /** Called after a transaction that wrote changes committed: wakes this server's watchers and the other servers'. */
  committed(): void {
    this.wakeup.wake();
    if (this.database.dialect === 'postgres') this.notifyServers();
  }

  private notifying = false;
  private notifyAgain = false;

  /** One NOTIFY at a time; commits meanwhile are covered by one more, sent after it. */
  private notifyServers(): void {
    if (this.stopped) return;
    if (this.notifying) {
      this.notifyAgain = true;
      return;
    }
    // Sent on the LISTEN connection, whose commits do not wait for the WAL flush
    // (synchronous_commit off, see listen()): a NOTIFY is a transaction with an id, and on a
    // pool connection each would wait for a flush of its own, between the writers' flushes.
    const client = this.listener;
    if (!client) return; // not listening (yet, or reconnecting): the other servers poll
    this.notifying = true;
    client
      .query(`select pg_notify('${NOTIFY_CHANNEL}', '')`)
      .catch((err) => this.log.warn({ err }, 'change feed NOTIFY failed; other servers see the change at their next poll'))
      .finally(() => {
        this.notifying = false;
        if (this.notifyAgain && !this.stopped) {
          this.notifyAgain = false;
          this.notifyServers();
        }
      });
  }

  // ------------------------------------------------------------------ reading

  /** The newest cursor (0 for an empty feed that was never compacted). */
  async head(): Promise<number> {
    return (await this.safeHead()) || (await this.horizon());
  }

  /** The newest cursor written (some below it may still be uncommitted on PostgreSQL; see safeHead). */
  private async newest(q: Tx): Promise<number> {
    const row = await feedTables(q).selectFrom('changes').select((eb) => eb.fn.max('cursor').as('c')).executeTakeFirst();
    return row?.c == null ? 0 : Number(row.c);
  }

  /**
   * The newest cursor below which nothing can still appear. On PostgreSQL, one statement
   * takes the feed lock exclusively (and releases it at its end): every writer that had drawn
   * a cursor up to the newest one seen has then committed or rolled back, so a read that
   * starts afterwards sees all of them. Not inside a transaction: the lock would be held.
   */
  private safeHead(): Promise<number> {
    if (this.database.dialect !== 'postgres') return this.newest(this.database.db);
    // Watchers read together after each wake-up: one query at a time serves every caller
    // that arrived before it started, so N watchers take the lock once or twice, not N times.
    if (!this.headInFlight) {
      this.headInFlight = this.queryHead().finally(() => (this.headInFlight = undefined));
      return this.headInFlight;
    }
    // The one in flight may have read the head before this caller arrived: wait for the next.
    this.headNext ??= this.headInFlight
      .catch(() => undefined)
      .then(() => {
        this.headNext = undefined;
        return this.safeHead();
      });
    return this.headNext;
  }

  private headInFlight?: Promise<number>;
  private headNext?: Promise<number>;

  private async queryHead(): Promise<number> {
    const db = this.database.db;
    const { rows } = await sql<{ c: string | null }>`select pg_advisory_xact_lock(hashtextextended(${FEED_LOCK}, 0))::text as l, (select max(${sql.ref('cursor')}) from changes) as c`.execute(db);
    return rows[0]?.c == null ? 0 : Number(rows[0].c);
  }

  /** Cursors at or below the horizon may have been compacted away. */
  async horizon(q: Tx = this.database.db): Promise<number> {
    const row = await feedTables(q).selectFrom('feed_state').select('compacted_through').where('id', '=', 1).executeTakeFirst();
    return row ? Number(row.compacted_through) : 0;
  }

  /**
   * The changes after cursor since (oldest first, at most filter.limit). Throws
   * ResyncRequired when changes after since may have been compacted away.
   */
  async read(since: number, filter: ReadFilter): Promise<ChangeRow[]> {
    const q = this.database.db;
    let query = feedTables(q).selectFrom('changes').selectAll().where('cursor', '>', since);
    // PostgreSQL: only up to the newest cursor no uncommitted writer can precede (safeHead).
    if (this.database.dialect === 'postgres') query = query.where('cursor', '<=', await this.safeHead());
    if (filter.resources) query = query.where('resource', 'in', filter.resources);
    if (filter.host !== undefined) {
      const host = filter.host;
      query = query.where((eb) => eb.or([eb('host', 'is', null), eb('host', '=', host), eb('previous_host', '=', host)]));
    }
    const rows = await query.orderBy('cursor').limit(filter.limit).execute();
    // Read after the rows: a compaction that committed before the rows were read is seen here.
    const horizon = await this.horizon(q);
    if (since < horizon) throw new ResyncRequired(since, horizon);
    return rows.map((r) => ({ ...r, cursor: Number(r.cursor), revision: Number(r.revision) }));
  }

  // ------------------------------------------------------------------ retention

  /** Work done after each periodic compaction (pruning status reports of deleted objects). */
  readonly afterCompaction: (() => Promise<void>)[] = [];

  /** Deletes what retention no longer keeps; returns the horizon afterwards. */
  async compact(nowMs = Date.now()): Promise<number> {
    const { retention_seconds, max_rows } = this.options;
    const cutoff = new Date(nowMs - retention_seconds * 1000).toISOString();
    const horizon = await this.database.transaction(async (trx) => {
      const horizon = await this.horizon(trx);
      const head = (await this.newest(trx)) || horizon;
      const feed = feedTables(trx);
      const old = await feed.selectFrom('changes').select((eb) => eb.fn.max('cursor').as('c')).where('created_at', '<', cutoff).executeTakeFirst();
      // The newest row stays: SQLite draws the next cursor as the largest present plus one.
      const through = Math.min(Math.max(old?.c == null ? 0 : Number(old.c), max_rows > 0 ? head - max_rows : 0), head - 1);
      if (through <= horizon) return horizon;
      await feed.deleteFrom('changes').where('cursor', '<=', through).execute();
      await feed.updateTable('feed_state').set({ compacted_through: through }).where('id', '=', 1).where('compacted_through', '<', through).execute();
      return through;
    });
    for (const work of this.afterCompaction) await work();
    return horizon;
  }

  // ------------------------------------------------------------------ lifecycle

  /** Starts the wake-up sources (PostgreSQL LISTEN, polling) and periodic compaction. */
  async start(): Promise<void> {
    this.stopped = false;
    const { poll_seconds, compact_seconds } = this.options;
    if (poll_seconds > 0) this.timers.push(setInterval(() => this.wakeup.wake(), poll_seconds * 1000).unref());
    if (compact_seconds > 0) {
      this.timers.push(
        setInterval(() => {
          this.compact().catch((err) => this.log.warn({ err }, 'change feed compaction failed'));
        }, compact_seconds * 1000).unref(),
      );
    }
    if (this.database.dialect === 'postgres' && this.url) await this.listen();
  }

  /** One dedicated connection per server LISTENs; it reconnects after failures. */
  private async listen(): Promise<void> {
    const client = new pg.Client({ connectionString: this.url });
    this.listener = client;
    const retry = () => {
      if (this.listener !== client || this.stopped) return;
      this.listener = undefined;
      client.end().catch(() => {});
      this.wakeup.wake(); // notifications may have been missed meanwhile
      const t = setTimeout(() => void this.listen().catch(() => {}), 1000).unref();
      this.timers.push(t);
    };
    client.on('notification', () => this.wakeup.wake());
    client.on('error', (err) => {
      this.log.warn({ err }, 'change feed LISTEN connection failed; reconnecting');
      retry();
    });
    client.on('end', retry);
    try {
      await client.connect();
      // Only NOTIFYs commit on this connection: nothing durable waits for their flush.
      await client.query('set synchronous_commit = off');
      await client.query(`LISTEN ${NOTIFY_CHANNEL}`);
    } catch (err) {
      this.log.warn({ err }, 'change feed LISTEN connection failed; polling until it reconnects');
      retry();
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers = [];
    const client = this.listener;
    this.listener = undefined;
    if (client) await client.end().catch(() => {});
    this.wakeup.wake(); // long-polls answer now
  }
}
