// networks/ports/floatingips(qos_policy_id) indexed only where a policy is set. Most objects
// have none, yet the full index took a B-tree page write on every network and port create
// (one more 4 KiB WAL frame per transaction on SQLite, found counting frames per request).
// Lookups by policy (`qos_policy_id = ?` / `in (…)`) imply IS NOT NULL, so SQLite and
// PostgreSQL still answer them from the partial index.
import type { Kysely } from 'kysely';

const TABLES = ['networks', 'ports', 'floatingips'];

export async function up(db: Kysely<any>): Promise<void> {
  for (const table of TABLES) {
    await db.schema.dropIndex(`${table}_qos_policy`).ifExists().execute();
    await db.schema.createIndex(`${table}_qos_policy`).on(table).column('qos_policy_id').where('qos_policy_id', 'is not', null).execute();
  }
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of TABLES) {
    await db.schema.dropIndex(`${table}_qos_policy`).ifExists().execute();
    await db.schema.createIndex(`${table}_qos_policy`).on(table).column('qos_policy_id').execute();
  }
}
