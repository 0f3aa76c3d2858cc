// PostgreSQL: drawing a feed cursor takes the feed's advisory lock in shared mode first (the
// cursor column's default), so that a reader holding it exclusively (ChangeFeed.safeHead)
// knows every cursor drawn before is final: the lock can no longer be forgotten by a writer,
// and a write transaction needs no separate statement for it. SQLite: nothing (one writer).
import { PostgresAdapter, sql, type Kysely } from 'kysely';

/** The key of the feed's advisory lock (feed.ts FEED_LOCK; a landed migration never changes). */
const FEED_LOCK = 'neutrino:changes';

export async function up(db: Kysely<any>): Promise<void> {
  if (!(db.getExecutor().adapter instanceof PostgresAdapter)) return;
  const { rows } = await sql<{ seq: string }>`select pg_get_serial_sequence('changes', 'cursor') as seq`.execute(db);
  await sql`create function neutrino_feed_cursor() returns bigint language sql volatile as $$
    select pg_advisory_xact_lock_shared(hashtextextended(${sql.lit(FEED_LOCK)}, 0));
    select nextval(${sql.lit(rows[0].seq)}::regclass);
  $$`.execute(db);
  await sql`alter table changes alter column ${sql.ref('cursor')} set default neutrino_feed_cursor()`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  if (!(db.getExecutor().adapter instanceof PostgresAdapter)) return;
  const { rows } = await sql<{ seq: string }>`select pg_get_serial_sequence('changes', 'cursor') as seq`.execute(db);
  await sql`alter table changes alter column ${sql.ref('cursor')} set default nextval(${sql.lit(rows[0].seq)}::regclass)`.execute(db);
  await sql`drop function neutrino_feed_cursor()`.execute(db);
}
