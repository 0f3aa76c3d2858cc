// NDP proxies, and the routers with enable_ndp_proxy on (a row each; none: off).
import type { Kysely } from 'kysely';
import { standardColumns } from '../../../db/schema.ts';

export async function up(db: Kysely<any>): Promise<void> {
  await standardColumns(db.schema.createTable('ndp_proxies'))
    .addColumn('router_id', 'varchar(36)', (c) => c.notNull().references('routers.id').onDelete('cascade'))
    .addColumn('port_id', 'varchar(36)', (c) => c.notNull().references('ports.id').onDelete('cascade'))
    .addColumn('ip_address', 'varchar(64)', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('ndp_proxies_router').on('ndp_proxies').column('router_id').execute();
  await db.schema.createIndex('ndp_proxies_port').on('ndp_proxies').column('port_id').execute();
  await db.schema
    .createTable('router_ndp_proxy_enabled')
    .addColumn('router_id', 'varchar(36)', (c) => c.primaryKey().references('routers.id').onDelete('cascade'))
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('router_ndp_proxy_enabled').execute();
  await db.schema.dropTable('ndp_proxies').execute();
}
