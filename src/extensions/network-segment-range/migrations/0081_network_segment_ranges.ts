// Admin-managed segmentation id ranges (network-segment-range).
import type { Kysely } from 'kysely';
import { standardColumns } from '../../../db/schema.ts';

export async function up(db: Kysely<any>): Promise<void> {
  await standardColumns(db.schema.createTable('network_segment_ranges'))
    .addColumn('default', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('shared', 'boolean', (c) => c.notNull().defaultTo(true))
    .addColumn('network_type', 'varchar(32)', (c) => c.notNull())
    .addColumn('physical_network', 'varchar(64)')
    .addColumn('minimum', 'integer', (c) => c.notNull())
    .addColumn('maximum', 'integer', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('network_segment_ranges_type').on('network_segment_ranges').column('network_type').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('network_segment_ranges').execute();
}
