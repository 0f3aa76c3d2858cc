// Flavors, service profiles, their associations, and routers' flavor (l3-flavors).
import type { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('flavors')
    .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
    .addColumn('name', 'varchar(255)', (c) => c.notNull().defaultTo(''))
    .addColumn('description', 'varchar(1024)', (c) => c.notNull().defaultTo(''))
    .addColumn('service_type', 'varchar(36)', (c) => c.notNull())
    .addColumn('enabled', 'boolean', (c) => c.notNull().defaultTo(true))
    .execute();
  await db.schema
    .createTable('service_profiles')
    .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
    .addColumn('description', 'varchar(1024)', (c) => c.notNull().defaultTo(''))
    .addColumn('driver', 'varchar(1024)', (c) => c.notNull().defaultTo(''))
    .addColumn('metainfo', 'varchar(4096)', (c) => c.notNull().defaultTo(''))
    .addColumn('enabled', 'boolean', (c) => c.notNull().defaultTo(true))
    .execute();
  await db.schema
    .createTable('flavor_service_profiles')
    .addColumn('flavor_id', 'varchar(36)', (c) => c.notNull().references('flavors.id').onDelete('cascade'))
    .addColumn('service_profile_id', 'varchar(36)', (c) => c.notNull().references('service_profiles.id'))
    .addPrimaryKeyConstraint('flavor_service_profiles_pk', ['flavor_id', 'service_profile_id'])
    .execute();
  await db.schema.alterTable('routers').addColumn('flavor_id', 'varchar(36)').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('routers').dropColumn('flavor_id').execute();
  await db.schema.dropTable('flavor_service_profiles').execute();
  await db.schema.dropTable('service_profiles').execute();
  await db.schema.dropTable('flavors').execute();
}
