// SQLite: the feed's cursor becomes a plain rowid alias (no AUTOINCREMENT). AUTOINCREMENT
// keeps the largest cursor ever drawn in sqlite_sequence, a table every write transaction
// then rewrites: one more 4 KiB page in the WAL per request (~15 for a port delete).
// Without it SQLite draws the largest cursor present plus one, so compaction now keeps the
// newest row (ChangeFeed.compact): a cursor is still never reused. PostgreSQL: nothing
// (its bigserial never reuses a value).
import { PostgresAdapter, sql, type Kysely } from 'kysely';

const COLUMNS = sql.raw('cursor, resource, resource_id, revision, project_id, kind, host, previous_host, created_at');

async function rebuild(db: Kysely<any>, cursor: 'integer primary key' | 'integer primary key autoincrement'): Promise<void> {
  await sql`create table changes_rebuilt (
    cursor ${sql.raw(cursor)},
    resource varchar(64) not null,
    resource_id varchar(64) not null,
    revision integer not null,
    project_id varchar(255),
    kind varchar(16) not null,
    host varchar(255),
    previous_host varchar(255),
    created_at varchar(32) not null
  )`.execute(db);
  await sql`insert into changes_rebuilt (${COLUMNS}) select ${COLUMNS} from changes order by cursor`.execute(db);
  await sql`drop table changes`.execute(db);
  await sql`alter table changes_rebuilt rename to changes`.execute(db);
}

export async function up(db: Kysely<any>): Promise<void> {
  if (db.getExecutor().adapter instanceof PostgresAdapter) return;
  await rebuild(db, 'integer primary key');
}

export async function down(db: Kysely<any>): Promise<void> {
  if (db.getExecutor().adapter instanceof PostgresAdapter) return;
  await rebuild(db, 'integer primary key autoincrement');
}
