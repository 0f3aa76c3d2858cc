// Versioned schema migrations (Kysely's Migrator). Each feature keeps its own in
// src/extensions/<feature>/migrations/NNNN_name.ts (the identity's in src/identity/migrations/);
// the composition root merges them and they run here in name order, once each, recorded
// in kysely_migration by name (so a landed migration's name never changes).
import { Migrator, type Kysely, type Migration, type MigrationProvider } from 'kysely';

class StaticProvider implements MigrationProvider {
  constructor(
    private readonly migrations: Record<string, Migration>,
    private readonly onStep?: (name: string) => void,
  ) {}

  async getMigrations(): Promise<Record<string, Migration>> {
    const { migrations, onStep } = this;
    if (!onStep) return migrations;
    return Object.fromEntries(
      Object.entries(migrations).map(([name, m]) => [name, { ...m, up: async (db: Kysely<any>) => (onStep(name), m.up(db)) }]),
    );
  }
}

/**
 * Applies every pending migration of `migrations` (every feature's, by name). They run in
 * one transaction on both databases (SQLite through an adapter that declares its
 * transactional DDL, db/index.ts), so a crash leaves the schema as it was before, never
 * half-migrated. `onStep` is told each migration's name as it starts (progress for
 * `neutrino db upgrade`).
 * `database`: an open Database (typed structurally: db/index.ts imports this file).
 */
export async function migrateToLatest(database: { readonly db: Kysely<any> }, migrations: Record<string, Migration>, onStep?: (name: string) => void): Promise<string[]> {
  const migrator = new Migrator({ db: database.db, provider: new StaticProvider(migrations, onStep), allowUnorderedMigrations: true });
  const { error, results } = await migrator.migrateToLatest();
  if (error) throw error instanceof Error ? error : new Error(String(error));
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}

/** Which of `migrations` the database has not applied (read-only). */
export async function pendingMigrations(database: { readonly db: Kysely<any> }, migrations: Record<string, Migration>): Promise<string[]> {
  return (await new Migrator({ db: database.db, provider: new StaticProvider(migrations), allowUnorderedMigrations: true }).getMigrations()).filter((m) => !m.executedAt).map((m) => m.name);
}
