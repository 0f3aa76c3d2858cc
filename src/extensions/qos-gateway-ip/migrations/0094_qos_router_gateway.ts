// The QoS policy of each router's gateway (a router has at most one; a policy may serve many).
import type { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('qos_router_gw_policy_bindings')
    .addColumn('router_id', 'varchar(36)', (c) => c.primaryKey().references('routers.id').onDelete('cascade'))
    .addColumn('policy_id', 'varchar(36)', (c) => c.notNull().references('qos_policies.id'))
    .execute();
  await db.schema.createIndex('qos_router_gw_policy_bindings_policy').on('qos_router_gw_policy_bindings').column('policy_id').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('qos_router_gw_policy_bindings').execute();
}
