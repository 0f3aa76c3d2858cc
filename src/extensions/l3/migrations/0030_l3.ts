// L3: routers (with their interface ports), floating IPs, port forwardings, address
// scopes and auto-allocated topologies.
import type { Kysely } from 'kysely';
import { standardColumns } from '../../../db/schema.ts';

export async function up(db: Kysely<any>): Promise<void> {
  await standardColumns(db.schema.createTable('routers'))
    .addColumn('admin_state_up', 'boolean', (c) => c.notNull())
    .addColumn('status', 'varchar(16)', (c) => c.notNull())
    .addColumn('gw_port_id', 'varchar(36)')
    .addColumn('gw_network_id', 'varchar(36)')
    .addColumn('enable_snat', 'boolean', (c) => c.notNull().defaultTo(true))
    .addColumn('routes', 'text', (c) => c.notNull().defaultTo('[]'))
    .addColumn('ha', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('distributed', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('availability_zone_hints', 'text', (c) => c.notNull().defaultTo('[]'))
    .execute();
  await db.schema.createIndex('routers_project').on('routers').column('project_id').execute();
  await db.schema.createIndex('routers_gw_network').on('routers').column('gw_network_id').execute();

  // A router's interface ports (device_owner network:router_interface). The port_id key
  // holds "a port belongs to at most one router".
  await db.schema
    .createTable('router_ports')
    .addColumn('port_id', 'varchar(36)', (c) => c.primaryKey())
    .addColumn('router_id', 'varchar(36)', (c) => c.notNull().references('routers.id'))
    .execute();
  await db.schema.createIndex('router_ports_router').on('router_ports').column('router_id').execute();

  await standardColumns(db.schema.createTable('floatingips'), { name: false })
    .addColumn('floating_ip_address', 'varchar(64)', (c) => c.notNull())
    .addColumn('floating_network_id', 'varchar(36)', (c) => c.notNull())
    .addColumn('floating_port_id', 'varchar(36)', (c) => c.notNull())
    .addColumn('fixed_port_id', 'varchar(36)')
    .addColumn('fixed_ip_address', 'varchar(64)')
    .addColumn('router_id', 'varchar(36)')
    .addColumn('status', 'varchar(16)', (c) => c.notNull())
    // One floating IP per fixed IP and external network (NULLs, i.e. unassociated, never collide).
    .addUniqueConstraint('floatingips_fixed', ['floating_network_id', 'fixed_port_id', 'fixed_ip_address'])
    .execute();
  await db.schema.createIndex('floatingips_project').on('floatingips').column('project_id').execute();
  await db.schema.createIndex('floatingips_fixed_port').on('floatingips').column('fixed_port_id').execute();
  await db.schema.createIndex('floatingips_router').on('floatingips').column('router_id').execute();

  await db.schema
    .createTable('port_forwardings')
    .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
    .addColumn('project_id', 'varchar(255)')
    .addColumn('description', 'varchar(1024)', (c) => c.notNull().defaultTo(''))
    .addColumn('floatingip_id', 'varchar(36)', (c) => c.notNull().references('floatingips.id').onDelete('cascade'))
    .addColumn('protocol', 'varchar(16)', (c) => c.notNull())
    .addColumn('external_port', 'integer', (c) => c.notNull())
    .addColumn('internal_port', 'integer', (c) => c.notNull())
    .addColumn('internal_ip_address', 'varchar(64)', (c) => c.notNull())
    .addColumn('internal_port_id', 'varchar(36)', (c) => c.notNull())
    .addUniqueConstraint('port_forwardings_external', ['floatingip_id', 'protocol', 'external_port'])
    .addUniqueConstraint('port_forwardings_internal', ['internal_port_id', 'internal_ip_address', 'internal_port', 'protocol'])
    .execute();

  await db.schema
    .createTable('address_scopes')
    .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
    .addColumn('project_id', 'varchar(255)')
    .addColumn('name', 'varchar(255)', (c) => c.notNull().defaultTo(''))
    .addColumn('shared', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('ip_version', 'integer', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('auto_allocated_topologies')
    .addColumn('project_id', 'varchar(255)', (c) => c.primaryKey())
    .addColumn('network_id', 'varchar(36)', (c) => c.notNull())
    .addColumn('router_id', 'varchar(36)')
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const t of ['auto_allocated_topologies', 'address_scopes', 'port_forwardings', 'floatingips', 'router_ports', 'routers']) {
    await db.schema.dropTable(t).execute();
  }
}
