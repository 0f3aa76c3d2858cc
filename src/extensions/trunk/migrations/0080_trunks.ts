// Trunks and their subports. A port is the parent of at most one trunk (unique port_id)
// and the subport of at most one (primary key); a segmentation is used once per trunk.
import type { Kysely } from 'kysely';
import { standardColumns } from '../../../db/schema.ts';

export async function up(db: Kysely<any>): Promise<void> {
  await standardColumns(db.schema.createTable('trunks'))
    .addColumn('admin_state_up', 'boolean', (c) => c.notNull().defaultTo(true))
    .addColumn('status', 'varchar(16)', (c) => c.notNull())
    .addColumn('port_id', 'varchar(36)', (c) => c.notNull().unique().references('ports.id'))
    .execute();
  await db.schema.createIndex('trunks_project').on('trunks').column('project_id').execute();
  await db.schema
    .createTable('trunk_subports')
    .addColumn('port_id', 'varchar(36)', (c) => c.primaryKey().references('ports.id'))
    .addColumn('trunk_id', 'varchar(36)', (c) => c.notNull().references('trunks.id').onDelete('cascade'))
    .addColumn('segmentation_type', 'varchar(32)', (c) => c.notNull())
    .addColumn('segmentation_id', 'integer', (c) => c.notNull())
    .addUniqueConstraint('trunk_subports_segmentation', ['trunk_id', 'segmentation_type', 'segmentation_id'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('trunk_subports').execute();
  await db.schema.dropTable('trunks').execute();
}
