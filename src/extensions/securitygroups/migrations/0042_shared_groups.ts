// security_groups.shared and address_groups.shared: the stored view of a `*`
// access_as_shared RBAC policy (rbac-security-groups, rbac-address-group), kept in step
// by the RBAC service.
import type { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  for (const table of ['security_groups', 'address_groups']) {
    await db.schema.alterTable(table).addColumn('shared', 'boolean', (c) => c.notNull().defaultTo(false)).execute();
  }
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of ['security_groups', 'address_groups']) await db.schema.alterTable(table).dropColumn('shared').execute();
}
