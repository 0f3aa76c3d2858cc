// binding-extended: a port's INACTIVE bindings, one per host (the ACTIVE binding is the
// port's own binding:* columns). Gone with their port.
import type { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('port_bindings')
    .addColumn('port_id', 'varchar(36)', (c) => c.notNull().references('ports.id').onDelete('cascade'))
    .addColumn('host', 'varchar(255)', (c) => c.notNull())
    .addColumn('vnic_type', 'varchar(64)', (c) => c.notNull())
    .addColumn('profile', 'text', (c) => c.notNull().defaultTo('{}'))
    .addColumn('vif_type', 'varchar(64)', (c) => c.notNull())
    .addColumn('vif_details', 'text', (c) => c.notNull().defaultTo('{}'))
    .addColumn('status', 'varchar(16)', (c) => c.notNull())
    .addPrimaryKeyConstraint('port_bindings_pk', ['port_id', 'host'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('port_bindings').execute();
}
