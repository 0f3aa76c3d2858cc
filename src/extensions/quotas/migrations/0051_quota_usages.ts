// Quota usage counters kept by the database itself: triggers on every table a quota counts
// update quota_usages (project, resource) → rows in use, in the writing transaction, whatever
// code (or cascade) inserts or deletes the rows. A project's counter exists once a quota
// check needed it (QuotaService initializes it from count(*)); until then writes only find
// no counter to update, so unlimited projects pay one index lookup per write.
//
// PostgreSQL: each counted write takes a shared advisory lock on the same key QuotaService
// locks exclusively to check a limit, so a counter is never initialized while a write it
// would miss is in flight, and concurrent writers without limits don't wait for each other.
import { PostgresAdapter, sql, type Kysely } from 'kysely';

/** Tables counted by triggers, with the quota resource each counts against. */
export const COUNTED_TABLES: Record<string, string> = {
  networks: 'network',
  subnets: 'subnet',
  ports: 'port',
  routers: 'router',
  floatingips: 'floatingip',
  security_groups: 'security_group',
  security_group_rules: 'security_group_rule',
  subnetpools: 'subnetpool',
  rbac_policies: 'rbac_policy',
};

const isPostgres = (db: Kysely<any>) => db.getExecutor().adapter instanceof PostgresAdapter;

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('quota_usages')
    .addColumn('project_id', 'varchar(255)', (c) => c.notNull())
    .addColumn('resource', 'varchar(255)', (c) => c.notNull())
    .addColumn('in_use', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('quota_usages_pk', ['project_id', 'resource'])
    .execute();
  // The resources whose usage these triggers count (QuotaService counts others with count(*)).
  await db.schema.createTable('quota_counted').addColumn('resource', 'varchar(255)', (c) => c.primaryKey()).execute();
  await db.insertInto('quota_counted').values(Object.values(COUNTED_TABLES).map((resource) => ({ resource }))).execute();
  if (isPostgres(db)) {
    await sql`
      create function quota_usage_count() returns trigger language plpgsql as $$
      declare
        counted text := TG_ARGV[0];
      begin
        if TG_OP = 'INSERT' or (TG_OP = 'UPDATE' and NEW.project_id is distinct from OLD.project_id) then
          if NEW.project_id is not null then
            perform pg_advisory_xact_lock_shared(hashtextextended('quota:' || NEW.project_id || ':' || counted, 0));
            update quota_usages set in_use = in_use + 1 where project_id = NEW.project_id and resource = counted;
          end if;
        end if;
        if TG_OP = 'DELETE' or (TG_OP = 'UPDATE' and NEW.project_id is distinct from OLD.project_id) then
          if OLD.project_id is not null then
            perform pg_advisory_xact_lock_shared(hashtextextended('quota:' || OLD.project_id || ':' || counted, 0));
            update quota_usages set in_use = in_use - 1 where project_id = OLD.project_id and resource = counted;
          end if;
        end if;
        return null;
      end $$`.execute(db);
    for (const [table, resource] of Object.entries(COUNTED_TABLES)) {
      await sql`create trigger ${sql.id(`quota_usage_${table}`)} after insert or delete or update of project_id on ${sql.table(table)}
        for each row execute function quota_usage_count(${sql.lit(resource)})`.execute(db);
    }
    return;
  }
  for (const [table, resource] of Object.entries(COUNTED_TABLES)) {
    const counter = (project: string, delta: number) =>
      `update quota_usages set in_use = in_use + (${delta}) where project_id = ${project} and resource = '${resource}';`;
    await sql.raw(`create trigger quota_usage_${table}_insert after insert on ${table} when new.project_id is not null begin ${counter('new.project_id', 1)} end`).execute(db);
    await sql.raw(`create trigger quota_usage_${table}_delete after delete on ${table} when old.project_id is not null begin ${counter('old.project_id', -1)} end`).execute(db);
    await sql
      .raw(`create trigger quota_usage_${table}_move after update of project_id on ${table} when old.project_id is not new.project_id begin ${counter('old.project_id', -1)} ${counter('new.project_id', 1)} end`)
      .execute(db);
  }
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of Object.keys(COUNTED_TABLES)) {
    if (isPostgres(db)) await sql`drop trigger if exists ${sql.id(`quota_usage_${table}`)} on ${sql.table(table)}`.execute(db);
    else for (const op of ['insert', 'delete', 'move']) await sql.raw(`drop trigger if exists quota_usage_${table}_${op}`).execute(db);
  }
  if (isPostgres(db)) await sql`drop function if exists quota_usage_count()`.execute(db);
  await db.schema.dropTable('quota_counted').execute();
  await db.schema.dropTable('quota_usages').execute();
}
