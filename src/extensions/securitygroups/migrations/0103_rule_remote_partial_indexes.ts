// security_group_rules(remote_group_id) and (remote_address_group_id) indexed only where set.
// Most rules have neither, yet each full index took a B-tree page write on every rule create
// (two more 4 KiB WAL frames per transaction on SQLite, found counting frames per request).
// Lookups by group (`= ?` / `in (…)`) imply IS NOT NULL, so SQLite and PostgreSQL still
// answer them from the partial indexes.
import type { Kysely } from 'kysely';

const INDEXES: [string, string][] = [
  ['security_group_rules_remote_group', 'remote_group_id'],
  ['security_group_rules_remote_ag', 'remote_address_group_id'],
];

export async function up(db: Kysely<any>): Promise<void> {
  for (const [name, column] of INDEXES) {
    await db.schema.dropIndex(name).ifExists().execute();
    await db.schema.createIndex(name).on('security_group_rules').column(column).where(column, 'is not', null).execute();
  }
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const [name, column] of INDEXES) {
    await db.schema.dropIndex(name).ifExists().execute();
    await db.schema.createIndex(name).on('security_group_rules').column(column).execute();
  }
}
