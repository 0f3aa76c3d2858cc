// The embedded identity service (Keystone v3 subset): domains, projects, users, roles
// (with implied roles), role assignments, the service catalog and issued tokens.
// Tokens are stored by the SHA-256 of their value, never the value itself.
import type { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('identity_domains')
    .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('name', 'varchar(255)', (c) => c.notNull().unique())
    .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('enabled', 'boolean', (c) => c.notNull().defaultTo(true))
    .execute();

  await db.schema
    .createTable('identity_projects')
    .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('name', 'varchar(255)', (c) => c.notNull())
    .addColumn('domain_id', 'varchar(64)', (c) => c.notNull().references('identity_domains.id'))
    .addColumn('parent_id', 'varchar(64)')
    .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('enabled', 'boolean', (c) => c.notNull().defaultTo(true))
    .addColumn('extra', 'text', (c) => c.notNull().defaultTo('{}'))
    .addUniqueConstraint('identity_projects_domain_name', ['domain_id', 'name'])
    .execute();

  await db.schema
    .createTable('identity_users')
    .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('name', 'varchar(255)', (c) => c.notNull())
    .addColumn('domain_id', 'varchar(64)', (c) => c.notNull().references('identity_domains.id'))
    .addColumn('enabled', 'boolean', (c) => c.notNull().defaultTo(true))
    .addColumn('password_hash', 'text')
    .addColumn('default_project_id', 'varchar(64)')
    .addColumn('description', 'text')
    .addColumn('email', 'varchar(255)')
    // Attributes Keystone keeps as "extra" (anything else the client sent), as JSON.
    .addColumn('extra', 'text', (c) => c.notNull().defaultTo('{}'))
    .addUniqueConstraint('identity_users_domain_name', ['domain_id', 'name'])
    .execute();

  await db.schema
    .createTable('identity_roles')
    .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('name', 'varchar(255)', (c) => c.notNull().unique())
    .addColumn('description', 'text')
    .execute();

  await db.schema
    .createTable('identity_implied_roles')
    .addColumn('prior_role_id', 'varchar(64)', (c) => c.notNull().references('identity_roles.id').onDelete('cascade'))
    .addColumn('implied_role_id', 'varchar(64)', (c) => c.notNull().references('identity_roles.id').onDelete('cascade'))
    .addPrimaryKeyConstraint('identity_implied_roles_pk', ['prior_role_id', 'implied_role_id'])
    .execute();

  // A user's role on a target: a project, a domain or the system ('system' target id 'all').
  await db.schema
    .createTable('identity_assignments')
    .addColumn('target_type', 'varchar(16)', (c) => c.notNull())
    .addColumn('target_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('user_id', 'varchar(64)', (c) => c.notNull().references('identity_users.id').onDelete('cascade'))
    .addColumn('role_id', 'varchar(64)', (c) => c.notNull().references('identity_roles.id').onDelete('cascade'))
    .addPrimaryKeyConstraint('identity_assignments_pk', ['target_type', 'target_id', 'user_id', 'role_id'])
    .execute();
  await db.schema.createIndex('identity_assignments_user').on('identity_assignments').column('user_id').execute();
  await db.schema.createIndex('identity_assignments_target').on('identity_assignments').columns(['target_id']).execute();

  await db.schema
    .createTable('identity_services')
    .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('type', 'varchar(255)', (c) => c.notNull())
    .addColumn('name', 'varchar(255)', (c) => c.notNull().defaultTo(''))
    .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('enabled', 'boolean', (c) => c.notNull().defaultTo(true))
    .execute();

  await db.schema
    .createTable('identity_endpoints')
    .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('service_id', 'varchar(64)', (c) => c.notNull().references('identity_services.id').onDelete('cascade'))
    .addColumn('interface', 'varchar(16)', (c) => c.notNull())
    .addColumn('region_id', 'varchar(255)')
    .addColumn('url', 'text', (c) => c.notNull())
    .addColumn('enabled', 'boolean', (c) => c.notNull().defaultTo(true))
    .execute();

  // Issued tokens. Deleting the user or the scope target deletes (invalidates) its tokens;
  // revocation deletes the row, so it holds across restarts and API servers.
  await db.schema
    .createTable('identity_tokens')
    .addColumn('token_hash', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('user_id', 'varchar(64)', (c) => c.notNull().references('identity_users.id').onDelete('cascade'))
    .addColumn('project_id', 'varchar(64)', (c) => c.references('identity_projects.id').onDelete('cascade'))
    .addColumn('domain_id', 'varchar(64)', (c) => c.references('identity_domains.id').onDelete('cascade'))
    .addColumn('system', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('methods', 'text', (c) => c.notNull())
    .addColumn('audit_ids', 'text', (c) => c.notNull())
    .addColumn('issued_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('identity_tokens_user').on('identity_tokens').column('user_id').execute();
  await db.schema.createIndex('identity_tokens_project').on('identity_tokens').column('project_id').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const t of [
    'identity_tokens',
    'identity_endpoints',
    'identity_services',
    'identity_assignments',
    'identity_implied_roles',
    'identity_roles',
    'identity_users',
    'identity_projects',
    'identity_domains',
  ]) {
    await db.schema.dropTable(t).execute();
  }
}
