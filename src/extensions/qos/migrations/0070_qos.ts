// QoS policies, their rules (one table per rule type, as Neutron's), and the policy of
// floating IPs. Networks and ports got their qos_policy_id columns in 0001_core (unused
// until now; varchar(36) nullable, as a policy id needs).
import { sql, type Kysely } from 'kysely';
import { standardColumns } from '../../../db/schema.ts';

const RULE_TABLES = ['qos_bandwidth_limit_rules', 'qos_dscp_marking_rules', 'qos_minimum_bandwidth_rules', 'qos_packet_rate_limit_rules', 'qos_minimum_packet_rate_rules'];

export async function up(db: Kysely<any>): Promise<void> {
  await standardColumns(db.schema.createTable('qos_policies'))
    .addColumn('shared', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('is_default', 'boolean', (c) => c.notNull().defaultTo(false))
    .execute();
  await db.schema.createIndex('qos_policies_project').on('qos_policies').column('project_id').execute();
  // qos-default: at most one default policy per project, held by the database.
  await sql`create unique index qos_policies_one_default on qos_policies (project_id) where is_default = ${sql.lit(true)}`.execute(db);

  const rule = (table: string) =>
    db.schema
      .createTable(table)
      .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
      .addColumn('qos_policy_id', 'varchar(36)', (c) => c.notNull().references('qos_policies.id').onDelete('cascade'));
  // One rule of a type per policy (and direction), as Neutron's unique keys.
  await rule('qos_bandwidth_limit_rules')
    .addColumn('max_kbps', 'integer', (c) => c.notNull())
    .addColumn('max_burst_kbps', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('direction', 'varchar(16)', (c) => c.notNull().defaultTo('egress'))
    .addUniqueConstraint('qos_bandwidth_limit_rules_unique', ['qos_policy_id', 'direction'])
    .execute();
  await rule('qos_dscp_marking_rules')
    .addColumn('dscp_mark', 'integer', (c) => c.notNull())
    .addUniqueConstraint('qos_dscp_marking_rules_unique', ['qos_policy_id'])
    .execute();
  await rule('qos_minimum_bandwidth_rules')
    .addColumn('min_kbps', 'integer', (c) => c.notNull())
    .addColumn('direction', 'varchar(16)', (c) => c.notNull().defaultTo('egress'))
    .addUniqueConstraint('qos_minimum_bandwidth_rules_unique', ['qos_policy_id', 'direction'])
    .execute();
  await rule('qos_packet_rate_limit_rules')
    .addColumn('max_kpps', 'integer', (c) => c.notNull())
    .addColumn('max_burst_kpps', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('direction', 'varchar(16)', (c) => c.notNull().defaultTo('egress'))
    .addUniqueConstraint('qos_packet_rate_limit_rules_unique', ['qos_policy_id', 'direction'])
    .execute();
  await rule('qos_minimum_packet_rate_rules')
    .addColumn('min_kpps', 'integer', (c) => c.notNull())
    .addColumn('direction', 'varchar(16)', (c) => c.notNull().defaultTo('egress'))
    .addUniqueConstraint('qos_minimum_packet_rate_rules_unique', ['qos_policy_id', 'direction'])
    .execute();

  await db.schema.alterTable('floatingips').addColumn('qos_policy_id', 'varchar(36)').execute();
  for (const table of ['networks', 'ports', 'floatingips']) {
    await db.schema.createIndex(`${table}_qos_policy`).on(table).column('qos_policy_id').execute();
  }
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of ['networks', 'ports', 'floatingips']) await db.schema.dropIndex(`${table}_qos_policy`).execute();
  await db.schema.alterTable('floatingips').dropColumn('qos_policy_id').execute();
  for (const table of RULE_TABLES) await db.schema.dropTable(table).execute();
  await db.schema.dropTable('qos_policies').execute();
}
