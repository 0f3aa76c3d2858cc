// The template of rules new security groups start with (security-groups-default-rules),
// seeded with Neutron's legacy defaults: egress to anywhere (IPv4 and IPv6) for every
// group, and ingress from the group itself for default groups.
import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('default_security_group_rules')
    .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
    .addColumn('description', 'varchar(1024)', (c) => c.notNull().defaultTo(''))
    .addColumn('direction', 'varchar(16)', (c) => c.notNull())
    .addColumn('ethertype', 'varchar(16)', (c) => c.notNull())
    .addColumn('protocol', 'varchar(40)')
    .addColumn('port_range_min', 'integer')
    .addColumn('port_range_max', 'integer')
    .addColumn('remote_ip_prefix', 'varchar(64)')
    .addColumn('remote_group_id', 'varchar(36)')
    .addColumn('remote_address_group_id', 'varchar(36)')
    .addColumn('used_in_default_sg', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('used_in_non_default_sg', 'boolean', (c) => c.notNull().defaultTo(true))
    .execute();
  const egress = 'Legacy default SG rule for egress traffic';
  const ingress = 'Legacy default SG rule for ingress traffic';
  // Booleans as 1/0: what SQLite binds, and valid boolean input for PostgreSQL.
  const rows = ['IPv4', 'IPv6'].flatMap((ethertype) => [
    { id: randomUUID(), direction: 'egress', ethertype, remote_group_id: null, used_in_default_sg: 1, used_in_non_default_sg: 1, description: egress },
    { id: randomUUID(), direction: 'ingress', ethertype, remote_group_id: 'PARENT', used_in_default_sg: 1, used_in_non_default_sg: 0, description: ingress },
  ]);
  await db.insertInto('default_security_group_rules').values(rows).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('default_security_group_rules').execute();
}
