// Versioned schema migrations (Kysely's Migrator). Each feature keeps its own in
// src/extensions/<feature>/migrations/NNNN_name.ts (the identity's in src/identity/migrations/);
// the composition root merges them and they run here in name order, once each, recorded
// in kysely_migration by name (so a landed migration's name never changes).
import { Migrator, type Kysely, type Migration, type MigrationProvider } from 'kysely';

class StaticProvider implements MigrationProvider {
  constructor(private readonly migrations: Record<string, Migration>) {}

  async getMigrations(): Promise<Record<string, Migration>> {
    return this.migrations;
  }
}

/** `database`: an open Database (typed structurally: db/index.ts imports this file). */
export async function migrateToLatest(database: { readonly db: Kysely<any> }, migrations: Record<string, Migration>): Promise<string[]> {
  const migrator = new Migrator({ db: database.db, provider: new StaticProvider(migrations), allowUnorderedMigrations: true });
  const { error, results } = await migrator.migrateToLatest();
  if (error) throw error instanceof Error ? error : new Error(String(error));
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
