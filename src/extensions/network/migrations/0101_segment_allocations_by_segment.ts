// segment_allocations.segment_id references network_segments with ON DELETE CASCADE but had
// no index: every segment deleted (with its network) made SQLite scan the whole table to
// find the rows to cascade, and the segments API's deletes by segment_id did the same, so a
// network delete cost O(networks). PostgreSQL also needs the index for the cascade.
import type { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.createIndex('segment_allocations_segment').ifNotExists().on('segment_allocations').column('segment_id').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('segment_allocations_segment').ifExists().execute();
}
