// Core L2/L3 addressing: networks, segments, subnets, subnet pools, ports, IP allocations,
// tags and quotas.
import type { Kysely } from 'kysely';
import { standardColumns } from '../../../db/schema.ts';

export async function up(db: Kysely<any>): Promise<void> {
  await standardColumns(db.schema.createTable('networks'))
    .addColumn('admin_state_up', 'boolean', (c) => c.notNull())
    .addColumn('status', 'varchar(16)', (c) => c.notNull())
    .addColumn('shared', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('mtu', 'integer', (c) => c.notNull())
    .addColumn('router_external', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('is_default', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('port_security_enabled', 'boolean', (c) => c.notNull().defaultTo(true))
    .addColumn('dns_domain', 'varchar(255)', (c) => c.notNull().defaultTo(''))
    .addColumn('availability_zone_hints', 'text', (c) => c.notNull().defaultTo('[]'))
    .addColumn('qos_policy_id', 'varchar(36)')
    .execute();
  await db.schema.createIndex('networks_project').on('networks').column('project_id').execute();

  // One row per segment of a network (provider attributes, multi-provider `segments`).
  await standardColumns(db.schema.createTable('network_segments'))
    .addColumn('network_id', 'varchar(36)', (c) => c.notNull().references('networks.id').onDelete('cascade'))
    .addColumn('network_type', 'varchar(32)', (c) => c.notNull())
    .addColumn('physical_network', 'varchar(64)')
    .addColumn('segmentation_id', 'integer')
    .addColumn('segment_index', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema.createIndex('network_segments_network').on('network_segments').column('network_id').execute();

  // Holds the uniqueness of (type, physical network, segmentation id) across networks.
  await db.schema
    .createTable('segment_allocations')
    .addColumn('network_type', 'varchar(32)', (c) => c.notNull())
    .addColumn('physical_network', 'varchar(64)', (c) => c.notNull())
    .addColumn('segmentation_id', 'integer', (c) => c.notNull())
    .addColumn('segment_id', 'varchar(36)', (c) => c.notNull().references('network_segments.id').onDelete('cascade'))
    .addPrimaryKeyConstraint('segment_allocations_pk', ['network_type', 'physical_network', 'segmentation_id'])
    .execute();

  await standardColumns(db.schema.createTable('subnetpools'))
    .addColumn('ip_version', 'integer', (c) => c.notNull())
    .addColumn('prefixes', 'text', (c) => c.notNull())
    .addColumn('default_prefixlen', 'integer', (c) => c.notNull())
    .addColumn('min_prefixlen', 'integer', (c) => c.notNull())
    .addColumn('max_prefixlen', 'integer', (c) => c.notNull())
    .addColumn('shared', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('is_default', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('address_scope_id', 'varchar(36)')
    .addColumn('default_quota', 'integer')
    .execute();

  await standardColumns(db.schema.createTable('subnets'))
    .addColumn('network_id', 'varchar(36)', (c) => c.notNull().references('networks.id'))
    .addColumn('ip_version', 'integer', (c) => c.notNull())
    .addColumn('cidr', 'varchar(64)', (c) => c.notNull())
    .addColumn('gateway_ip', 'varchar(64)')
    .addColumn('allocation_pools', 'text', (c) => c.notNull().defaultTo('[]'))
    .addColumn('dns_nameservers', 'text', (c) => c.notNull().defaultTo('[]'))
    .addColumn('host_routes', 'text', (c) => c.notNull().defaultTo('[]'))
    .addColumn('service_types', 'text', (c) => c.notNull().defaultTo('[]'))
    .addColumn('enable_dhcp', 'boolean', (c) => c.notNull().defaultTo(true))
    .addColumn('ipv6_ra_mode', 'varchar(32)')
    .addColumn('ipv6_address_mode', 'varchar(32)')
    .addColumn('subnetpool_id', 'varchar(36)', (c) => c.references('subnetpools.id'))
    .addColumn('segment_id', 'varchar(36)')
    .addColumn('dns_publish_fixed_ip', 'boolean', (c) => c.notNull().defaultTo(false))
    .execute();
  await db.schema.createIndex('subnets_network').on('subnets').column('network_id').execute();

  await standardColumns(db.schema.createTable('ports'))
    .addColumn('network_id', 'varchar(36)', (c) => c.notNull().references('networks.id'))
    .addColumn('mac_address', 'varchar(32)', (c) => c.notNull())
    .addColumn('admin_state_up', 'boolean', (c) => c.notNull())
    .addColumn('status', 'varchar(16)', (c) => c.notNull())
    .addColumn('device_id', 'varchar(255)', (c) => c.notNull().defaultTo(''))
    .addColumn('device_owner', 'varchar(255)', (c) => c.notNull().defaultTo(''))
    // Denormalized copy of this port's rows in ipallocations, for fast reads.
    .addColumn('fixed_ips', 'text', (c) => c.notNull().defaultTo('[]'))
    .addColumn('allowed_address_pairs', 'text', (c) => c.notNull().defaultTo('[]'))
    .addColumn('extra_dhcp_opts', 'text', (c) => c.notNull().defaultTo('[]'))
    .addColumn('port_security_enabled', 'boolean', (c) => c.notNull().defaultTo(true))
    .addColumn('security_groups', 'text', (c) => c.notNull().defaultTo('[]'))
    .addColumn('binding_host_id', 'varchar(255)', (c) => c.notNull().defaultTo(''))
    .addColumn('binding_vnic_type', 'varchar(64)', (c) => c.notNull().defaultTo('normal'))
    .addColumn('binding_profile', 'text', (c) => c.notNull().defaultTo('{}'))
    .addColumn('binding_vif_type', 'varchar(64)', (c) => c.notNull().defaultTo('unbound'))
    .addColumn('binding_vif_details', 'text', (c) => c.notNull().defaultTo('{}'))
    .addColumn('dns_name', 'varchar(255)', (c) => c.notNull().defaultTo(''))
    .addColumn('ip_allocation', 'varchar(16)', (c) => c.notNull().defaultTo('immediate'))
    .addColumn('propagate_uplink_status', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('data_plane_status', 'varchar(16)')
    .addColumn('qos_policy_id', 'varchar(36)')
    .addUniqueConstraint('ports_network_mac', ['network_id', 'mac_address'])
    .execute();
  await db.schema.createIndex('ports_project').on('ports').column('project_id').execute();
  await db.schema.createIndex('ports_device').on('ports').column('device_id').execute();

  // The truth for "one IP once per subnet": the primary key.
  await db.schema
    .createTable('ipallocations')
    .addColumn('subnet_id', 'varchar(36)', (c) => c.notNull().references('subnets.id'))
    .addColumn('ip_address', 'varchar(64)', (c) => c.notNull())
    .addColumn('network_id', 'varchar(36)', (c) => c.notNull())
    .addColumn('port_id', 'varchar(36)', (c) => c.notNull().references('ports.id').onDelete('cascade'))
    .addPrimaryKeyConstraint('ipallocations_pk', ['subnet_id', 'ip_address'])
    .execute();
  await db.schema.createIndex('ipallocations_port').on('ipallocations').column('port_id').execute();

  await db.schema
    .createTable('tags')
    .addColumn('resource_id', 'varchar(36)', (c) => c.notNull())
    .addColumn('resource_type', 'varchar(64)', (c) => c.notNull())
    .addColumn('tag', 'varchar(255)', (c) => c.notNull())
    .addPrimaryKeyConstraint('tags_pk', ['resource_id', 'tag'])
    .execute();
  await db.schema.createIndex('tags_tag').on('tags').column('tag').execute();

  await db.schema
    .createTable('quotas')
    .addColumn('project_id', 'varchar(255)', (c) => c.notNull())
    .addColumn('resource', 'varchar(255)', (c) => c.notNull())
    .addColumn('hard_limit', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('quotas_pk', ['project_id', 'resource'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const t of ['quotas', 'tags', 'ipallocations', 'ports', 'subnets', 'subnetpools', 'segment_allocations', 'network_segments', 'networks']) {
    await db.schema.dropTable(t).execute();
  }
}
