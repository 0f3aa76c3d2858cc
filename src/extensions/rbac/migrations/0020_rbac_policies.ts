// RBAC policies: which projects (or `*`, everyone) may use an object (network, subnet
// pool, ...) they do not own, and how (access_as_shared, access_as_external).
import type { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('rbac_policies')
    .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
    .addColumn('project_id', 'varchar(255)', (c) => c.notNull())
    .addColumn('object_type', 'varchar(64)', (c) => c.notNull())
    .addColumn('object_id', 'varchar(36)', (c) => c.notNull())
    .addColumn('action', 'varchar(255)', (c) => c.notNull())
    .addColumn('target_project', 'varchar(255)', (c) => c.notNull())
    // One grant of an action on an object per target (DuplicateRbacPolicy otherwise).
    .addUniqueConstraint('rbac_policies_grant', ['object_type', 'object_id', 'action', 'target_project'])
    .execute();
  // Visibility checks look objects up by who they are shared with.
  await db.schema.createIndex('rbac_policies_target').on('rbac_policies').columns(['object_type', 'target_project']).execute();
  await db.schema.createIndex('rbac_policies_project').on('rbac_policies').column('project_id').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('rbac_policies').execute();
}
