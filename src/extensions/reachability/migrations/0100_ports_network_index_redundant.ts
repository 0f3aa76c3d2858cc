// 0099 added ports(network_id) for "which ports are on a network", but the unique key
// ports_network_mac (network_id, mac_address) already starts with network_id and answers
// the same lookups on SQLite and PostgreSQL: the extra index only cost a B-tree write on
// every port insert and delete (found measuring issue 8's write path).
import type { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('ports_network').ifExists().execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.createIndex('ports_network').ifNotExists().on('ports').column('network_id').execute();
}
