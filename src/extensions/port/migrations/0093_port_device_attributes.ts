// Ports' device_profile (port-device-profile) and numa_affinity_policy (port-numa-affinity-policy).
import type { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('ports').addColumn('device_profile', 'varchar(255)').execute();
  await db.schema.alterTable('ports').addColumn('numa_affinity_policy', 'varchar(16)').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('ports').dropColumn('numa_affinity_policy').execute();
  await db.schema.alterTable('ports').dropColumn('device_profile').execute();
}
