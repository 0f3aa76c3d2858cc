// Indexes for IPAM lookups: subnets of a pool (prefix allocation, pool deletion).
import type { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.createIndex('subnets_subnetpool').on('subnets').column('subnetpool_id').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('subnets_subnetpool').execute();
}
