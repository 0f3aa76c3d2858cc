// Network logs (logging): what they log (a security group and/or a port) and whether on.
import type { Kysely } from 'kysely';
import { standardColumns } from '../../../db/schema.ts';

export async function up(db: Kysely<any>): Promise<void> {
  await standardColumns(db.schema.createTable('logs'))
    .addColumn('resource_type', 'varchar(36)', (c) => c.notNull())
    .addColumn('resource_id', 'varchar(36)')
    .addColumn('event', 'varchar(255)', (c) => c.notNull())
    .addColumn('target_id', 'varchar(36)')
    .addColumn('enabled', 'boolean', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('logs_resource').on('logs').column('resource_id').execute();
  await db.schema.createIndex('logs_target').on('logs').column('target_id').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('logs').execute();
}
