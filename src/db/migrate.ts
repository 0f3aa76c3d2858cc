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
export async function migrateToLatest(database: { readonly db: Kysely<any> }): Promise<string[]> {
  const migrator = new Migrator({ db: database.db, provider: new StaticProvider(), allowUnorderedMigrations: true });
  const { error, results } = await migrator.migrateToLatest();
  if (error) throw error instanceof Error ? error : new Error(String(error));
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
