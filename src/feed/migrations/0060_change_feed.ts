// The durable change feed (src/feed/): one row per committed change of a resource, with a
// cursor assigned in commit order; the compaction horizon (cursors at or below it may have
// been deleted: a watcher behind it must relist); and the last status each backend
// reported per object (src/backends/status.ts), which never bumps revision_number.
import { PostgresAdapter, type Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  const postgres = db.getExecutor().adapter instanceof PostgresAdapter;
  await db.schema
    .createTable('changes')
    // SQLite: AUTOINCREMENT never reuses a cursor, even after compaction deleted every row.
    .addColumn('cursor', postgres ? 'bigserial' : 'integer', (c) => (postgres ? c.primaryKey() : c.primaryKey().autoIncrement()))
    .addColumn('resource', 'varchar(64)', (c) => c.notNull())
    .addColumn('resource_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('revision', 'integer', (c) => c.notNull())
    .addColumn('project_id', 'varchar(255)')
    .addColumn('kind', 'varchar(16)', (c) => c.notNull())
    .addColumn('host', 'varchar(255)')
    .addColumn('previous_host', 'varchar(255)')
    .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('feed_state')
    .addColumn('id', 'integer', (c) => c.primaryKey())
    .addColumn('compacted_through', 'bigint', (c) => c.notNull())
    .execute();
  await db.insertInto('feed_state').values({ id: 1, compacted_through: 0 }).execute();
  await db.schema
    .createTable('status_reports')
    .addColumn('resource', 'varchar(64)', (c) => c.notNull())
    .addColumn('resource_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('revision', 'integer', (c) => c.notNull())
    .addColumn('status', 'varchar(32)', (c) => c.notNull())
    .addColumn('reason', 'text')
    .addColumn('details', 'text')
    .addColumn('reported_at', 'varchar(32)', (c) => c.notNull())
    .addPrimaryKeyConstraint('status_reports_pk', ['resource', 'resource_id'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('status_reports').execute();
  await db.schema.dropTable('feed_state').execute();
  await db.schema.dropTable('changes').execute();
}
