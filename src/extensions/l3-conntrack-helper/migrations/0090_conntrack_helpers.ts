// Conntrack helpers of routers; the unique key is Neutron's (router, protocol, port, helper).
import type { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('conntrack_helpers')
    .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
    .addColumn('project_id', 'varchar(255)')
    .addColumn('router_id', 'varchar(36)', (c) => c.notNull().references('routers.id').onDelete('cascade'))
    .addColumn('protocol', 'varchar(40)', (c) => c.notNull())
    .addColumn('port', 'integer', (c) => c.notNull())
    .addColumn('helper', 'varchar(64)', (c) => c.notNull())
    .addUniqueConstraint('conntrack_helpers_unique', ['router_id', 'protocol', 'port', 'helper'])
    .execute();
  await db.schema.createIndex('conntrack_helpers_router').on('conntrack_helpers').column('router_id').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('conntrack_helpers').execute();
}
