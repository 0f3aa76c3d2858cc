// Metering labels and rules; agents (one row per agent type and host, refreshed by the
// agent's state reports) and the scheduling of networks to DHCP agents and routers to L3
// agents.
import type { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('metering_labels')
    .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
    .addColumn('project_id', 'varchar(255)')
    .addColumn('name', 'varchar(255)', (c) => c.notNull().defaultTo(''))
    .addColumn('description', 'varchar(1024)', (c) => c.notNull().defaultTo(''))
    .addColumn('shared', 'boolean', (c) => c.notNull().defaultTo(false))
    .execute();
  await db.schema
    .createTable('metering_label_rules')
    .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
    .addColumn('project_id', 'varchar(255)')
    .addColumn('metering_label_id', 'varchar(36)', (c) => c.notNull().references('metering_labels.id').onDelete('cascade'))
    .addColumn('direction', 'varchar(16)', (c) => c.notNull())
    .addColumn('excluded', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('remote_ip_prefix', 'varchar(64)')
    .addColumn('source_ip_prefix', 'varchar(64)')
    .addColumn('destination_ip_prefix', 'varchar(64)')
    .execute();
  await db.schema.createIndex('metering_label_rules_label').on('metering_label_rules').column('metering_label_id').execute();

  await db.schema
    .createTable('agents')
    .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
    .addColumn('agent_type', 'varchar(255)', (c) => c.notNull())
    .addColumn('binary', 'varchar(255)', (c) => c.notNull())
    .addColumn('topic', 'varchar(255)', (c) => c.notNull())
    .addColumn('host', 'varchar(255)', (c) => c.notNull())
    .addColumn('admin_state_up', 'boolean', (c) => c.notNull().defaultTo(true))
    .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
    .addColumn('started_at', 'varchar(32)', (c) => c.notNull())
    .addColumn('heartbeat_timestamp', 'varchar(32)', (c) => c.notNull())
    .addColumn('configurations', 'text', (c) => c.notNull().defaultTo('{}'))
    .addColumn('availability_zone', 'varchar(255)')
    .addColumn('resources_synced', 'boolean')
    .addColumn('description', 'varchar(255)')
    // One agent of a type per host: a restarted agent refreshes its row.
    .addUniqueConstraint('agents_type_host', ['agent_type', 'host'])
    .execute();

  await db.schema
    .createTable('network_dhcp_agent_bindings')
    .addColumn('network_id', 'varchar(36)', (c) => c.notNull().references('networks.id').onDelete('cascade'))
    .addColumn('dhcp_agent_id', 'varchar(36)', (c) => c.notNull().references('agents.id').onDelete('cascade'))
    .addPrimaryKeyConstraint('network_dhcp_agent_bindings_pk', ['network_id', 'dhcp_agent_id'])
    .execute();
  await db.schema.createIndex('network_dhcp_agent_bindings_agent').on('network_dhcp_agent_bindings').column('dhcp_agent_id').execute();
  await db.schema
    .createTable('router_l3_agent_bindings')
    .addColumn('router_id', 'varchar(36)', (c) => c.notNull().references('routers.id').onDelete('cascade'))
    .addColumn('l3_agent_id', 'varchar(36)', (c) => c.notNull().references('agents.id').onDelete('cascade'))
    .addPrimaryKeyConstraint('router_l3_agent_bindings_pk', ['router_id', 'l3_agent_id'])
    .execute();
  await db.schema.createIndex('router_l3_agent_bindings_agent').on('router_l3_agent_bindings').column('l3_agent_id').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of ['router_l3_agent_bindings', 'network_dhcp_agent_bindings', 'agents', 'metering_label_rules', 'metering_labels']) {
    await db.schema.dropTable(table).execute();
  }
}
