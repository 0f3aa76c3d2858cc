// Versioned schema migrations (Kysely's Migrator). Each file in ./migrations is one
// version; they run in name order, once, and are recorded in kysely_migration.
import { Migrator, type Kysely, type Migration, type MigrationProvider } from 'kysely';
import { migrations } from './migrations/index.ts';

class StaticProvider implements MigrationProvider {
  async getMigrations(): Promise<Record<string, Migration>> {
    return migrations;
  }
}

/** `database`: an open Database (typed structurally: db/index.ts imports this file). */
type MigratableDatabase = { readonly db: Kysely<any> };

function migrator(database: MigratableDatabase): Migrator {
  return new Migrator({ db: database.db, provider: new StaticProvider(), allowUnorderedMigrations: true });
}

export async function migrateToLatest(database: MigratableDatabase): Promise<string[]> {
  const { error, results } = await migrator(database).migrateToLatest();
  if (error) throw error instanceof Error ? error : new Error(String(error));
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}

/** Migrations this code knows that the database has not applied (read-only). */
export async function pendingMigrations(database: MigratableDatabase): Promise<string[]> {
  return (await migrator(database).getMigrations()).filter((m) => !m.executedAt).map((m) => m.name);
}
