// Local IPs and their port associations (one per local IP and port, as Neutron's key).
// local_port_id has no foreign key: the local IP's own port is deleted after it, and ports
// that local IPs use are protected by a wiring veto (ServicePortInUse).
import type { Kysely } from 'kysely';
import { standardColumns } from '../../../db/schema.ts';

export async function up(db: Kysely<any>): Promise<void> {
  await standardColumns(db.schema.createTable('local_ips'))
    .addColumn('local_port_id', 'varchar(36)', (c) => c.notNull())
    .addColumn('network_id', 'varchar(36)', (c) => c.notNull())
    .addColumn('local_ip_address', 'varchar(64)', (c) => c.notNull())
    .addColumn('ip_mode', 'varchar(32)', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('local_ips_project').on('local_ips').column('project_id').execute();
  await db.schema.createIndex('local_ips_port').on('local_ips').column('local_port_id').execute();
  await db.schema
    .createTable('local_ip_associations')
    .addColumn('local_ip_id', 'varchar(36)', (c) => c.notNull().references('local_ips.id').onDelete('cascade'))
    .addColumn('fixed_port_id', 'varchar(36)', (c) => c.notNull().references('ports.id').onDelete('cascade'))
    .addColumn('fixed_ip', 'varchar(64)', (c) => c.notNull())
    .addPrimaryKeyConstraint('local_ip_associations_pkey', ['local_ip_id', 'fixed_port_id'])
    .execute();
  await db.schema.createIndex('local_ip_associations_port').on('local_ip_associations').column('fixed_port_id').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('local_ip_associations').execute();
  await db.schema.dropTable('local_ips').execute();
}
