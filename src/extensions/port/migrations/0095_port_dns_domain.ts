// Ports' dns_domain (dns-domain-ports).
import type { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('ports').addColumn('dns_domain', 'varchar(255)', (c) => c.notNull().defaultTo('')).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('ports').dropColumn('dns_domain').execute();
}
