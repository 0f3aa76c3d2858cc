// Security groups, their rules, address groups, the one default group per project and
// the bindings of groups to ports.
import type { Kysely } from 'kysely';
import { standardColumns } from '../../../db/schema.ts';

export async function up(db: Kysely<any>): Promise<void> {
  await standardColumns(db.schema.createTable('security_groups'))
    .addColumn('stateful', 'boolean', (c) => c.notNull().defaultTo(true))
    .execute();
  await db.schema.createIndex('security_groups_project').on('security_groups').column('project_id').execute();

  // The truth for "one default group per project": the primary key (Neutron's
  // default_security_group table).
  await db.schema
    .createTable('default_security_group')
    .addColumn('project_id', 'varchar(255)', (c) => c.primaryKey())
    .addColumn('security_group_id', 'varchar(36)', (c) => c.notNull().unique().references('security_groups.id').onDelete('cascade'))
    .execute();

  await standardColumns(db.schema.createTable('address_groups')).execute();
  await db.schema.createIndex('address_groups_project').on('address_groups').column('project_id').execute();
  await db.schema
    .createTable('address_group_addresses')
    .addColumn('address_group_id', 'varchar(36)', (c) => c.notNull().references('address_groups.id').onDelete('cascade'))
    .addColumn('address', 'varchar(64)', (c) => c.notNull())
    .addPrimaryKeyConstraint('address_group_addresses_pk', ['address_group_id', 'address'])
    .execute();

  await standardColumns(db.schema.createTable('security_group_rules'), { name: false })
    .addColumn('security_group_id', 'varchar(36)', (c) => c.notNull().references('security_groups.id').onDelete('cascade'))
    .addColumn('direction', 'varchar(16)', (c) => c.notNull())
    .addColumn('ethertype', 'varchar(16)', (c) => c.notNull())
    .addColumn('protocol', 'varchar(40)')
    .addColumn('port_range_min', 'integer')
    .addColumn('port_range_max', 'integer')
    .addColumn('remote_ip_prefix', 'varchar(64)')
    .addColumn('normalized_cidr', 'varchar(64)')
    // Neutron deletes rules whose remote group is deleted.
    .addColumn('remote_group_id', 'varchar(36)', (c) => c.references('security_groups.id').onDelete('cascade'))
    .addColumn('remote_address_group_id', 'varchar(36)', (c) => c.references('address_groups.id'))
    // The rule's identity (group, direction, ethertype, protocol number, ports, remotes):
    // duplicates are refused by this unique key even under concurrent creates.
    .addColumn('fingerprint', 'varchar(512)', (c) => c.notNull().unique())
    .execute();
  await db.schema.createIndex('security_group_rules_group').on('security_group_rules').column('security_group_id').execute();
  await db.schema.createIndex('security_group_rules_project').on('security_group_rules').column('project_id').execute();
  await db.schema.createIndex('security_group_rules_remote_group').on('security_group_rules').column('remote_group_id').execute();
  await db.schema.createIndex('security_group_rules_remote_ag').on('security_group_rules').column('remote_address_group_id').execute();

  // Which groups a port uses; the foreign key to security_groups keeps a group in use
  // from being deleted.
  await db.schema
    .createTable('securitygroupportbindings')
    .addColumn('port_id', 'varchar(36)', (c) => c.notNull().references('ports.id').onDelete('cascade'))
    .addColumn('security_group_id', 'varchar(36)', (c) => c.notNull().references('security_groups.id'))
    .addPrimaryKeyConstraint('securitygroupportbindings_pk', ['port_id', 'security_group_id'])
    .execute();
  await db.schema.createIndex('securitygroupportbindings_group').on('securitygroupportbindings').column('security_group_id').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const t of ['securitygroupportbindings', 'security_group_rules', 'address_group_addresses', 'address_groups', 'default_security_group', 'security_groups']) {
    await db.schema.dropTable(t).execute();
  }
}
